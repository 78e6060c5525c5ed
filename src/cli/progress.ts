/** The part of a stream the progress line writes to (`process.stderr`, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** What is being done, e.g. `Deleting clients`. */
  label: string;
  /** How many items there are, when known: the line then shows a bar. */
  total?: number;
  /** The least time between two redraws, in milliseconds, so that thousands of quick steps cost no output. */
  redrawMs?: number;
  now?: () => number;
}

/** A progress line on stderr for a long operation. */
export interface Progress {
  /**
   * `done` items are finished. On a terminal the line is redrawn in place; otherwise (a log file, CI), where
   * carriage returns would garble the file, only `line` is written, as a line of its own, when given.
   */
  update(done: number, line?: string): void;
  /** Ends the line on a terminal; the next output starts on a fresh line. */
  done(): void;
}

const barWidth = 24;

/** A {@link Progress} that draws `label [#####-----] done/total` (or `label done` without a total). */
export function createProgress(stream: ProgressStream, options: ProgressOptions): Progress {
  const redrawMs = options.redrawMs ?? 100;
  const now = options.now ?? Date.now;
  let drawn = false;
  let lastDraw = -Infinity;
  /** A count not drawn yet (skipped to keep redraws apart), drawn by `done()`. */
  let skipped: number | undefined;
  const draw = (done: number) => {
    lastDraw = now();
    skipped = undefined;
    stream.write(`\r\x1b[2K${render(options.label, done, options.total)}`);
    drawn = true;
  };
  return {
    update(done, line) {
      if (!stream.isTTY) {
        if (line !== undefined) stream.write(`${line}\n`);
        return;
      }
      const finished = options.total !== undefined && done >= options.total;
      if (finished || now() - lastDraw >= redrawMs) draw(done);
      else skipped = done;
    },
    done() {
      if (skipped !== undefined) draw(skipped);
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function render(label: string, done: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return `${label} ${done}`;
  const filled = Math.round((Math.min(done, total) / total) * barWidth);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${done}/${total}`;
}
