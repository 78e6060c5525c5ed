const barWidth = 24;
function createProgress(stream, options) {
  const redrawMs = options.redrawMs ?? 100;
  const now = options.now ?? Date.now;
  let drawn = false;
  let lastDraw = -Infinity;
  let skipped;
  const draw = (done) => {
    lastDraw = now();
    skipped = void 0;
    stream.write(`\r\x1B[2K${render(options.label, done, options.total)}`);
    drawn = true;
  };
  return {
    update(done, line) {
      if (!stream.isTTY) {
        if (line !== void 0) stream.write(`${line}
`);
        return;
      }
      const finished = options.total !== void 0 && done >= options.total;
      if (finished || now() - lastDraw >= redrawMs) draw(done);
      else skipped = done;
    },
    done() {
      if (skipped !== void 0) draw(skipped);
      if (drawn) stream.write("\n");
      drawn = false;
    }
  };
}
function render(label, done, total) {
  if (total === void 0 || total <= 0) return `${label} ${done}`;
  const filled = Math.round(Math.min(done, total) / total * barWidth);
  return `${label} [${"#".repeat(filled)}${"-".repeat(barWidth - filled)}] ${done}/${total}`;
}
export {
  createProgress
};
//# sourceMappingURL=progress.js.map
