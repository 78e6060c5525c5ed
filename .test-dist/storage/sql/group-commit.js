import { StorageUnavailableError } from "../../ports/storage.js";
class GroupCommit {
  #queue = [];
  #write;
  #maxBatch;
  #maxInFlight;
  #inFlight = 0;
  #scheduled = false;
  #idle = [];
  constructor(write, options) {
    this.#write = write;
    this.#maxBatch = options.maxBatch;
    this.#maxInFlight = options.maxInFlight;
  }
  /** Resolves once `item` is committed, with its result. */
  add(item) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }
  /** Resolves once every write added so far has finished. */
  async drain() {
    if (this.#queue.length === 0 && this.#inFlight === 0) return;
    await new Promise((resolve) => this.#idle.push(resolve));
  }
  #schedule() {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }
  async #run() {
    if (this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#inFlight++;
    this.#schedule();
    try {
      const results = await this.#write(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results?.[i]));
    } catch (error) {
      if (batch.length === 1 || error instanceof StorageUnavailableError) {
        for (const p of batch) p.reject(error);
      } else {
        for (const p of batch) {
          await this.#write([p.item]).then((results) => p.resolve(results?.[0]), p.reject);
        }
      }
    } finally {
      this.#inFlight--;
      this.#schedule();
      if (this.#queue.length === 0 && this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
export {
  GroupCommit
};
//# sourceMappingURL=group-commit.js.map
