import { setImmediate as nextTurn } from "node:timers/promises";
async function inBatches(kind, deleteBatch, batchSize, observer) {
  const started = performance.now();
  let total = 0;
  for (; ; ) {
    const batchStarted = performance.now();
    const deleted = await deleteBatch(batchSize);
    observer?.batch(kind, deleted, (performance.now() - batchStarted) / 1e3);
    total += deleted;
    if (deleted < batchSize) break;
    await nextTurn();
  }
  observer?.sweep(kind, (performance.now() - started) / 1e3);
  return total;
}
export {
  inBatches
};
//# sourceMappingURL=sweep-observer.js.map
