import { StorageUnavailableError } from '../../ports/storage.js';

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes that arrive while the database is busy are gathered and written together in one
 * transaction, and each caller is answered only once that transaction has committed. One fsync then serves
 * many requests, which is what lets a durable database keep up with the HTTP layer.
 *
 * A failed batch is retried one item at a time, so that one bad row fails only its own request; when the
 * database is unavailable, the whole batch fails at once. `write` may answer each item with a result (in the
 * order of the items), which its caller receives.
 */
export class GroupCommit<T, R = void> {
  readonly #queue: Pending<T, R>[] = [];
  readonly #write: (items: T[]) => Promise<R[] | void>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(write: (items: T[]) => Promise<R[] | void>, options: { maxBatch: number; maxInFlight: number }) {
    this.#write = write;
    this.#maxBatch = options.maxBatch;
    this.#maxInFlight = options.maxInFlight;
  }

  /** Resolves once `item` is committed, with its result. */
  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every write added so far has finished. */
  async drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Let every request that has already arrived in this turn of the event loop join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    if (this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#inFlight++;
    this.#schedule();
    try {
      const results = await this.#write(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results?.[i] as R));
    } catch (error) {
      if (batch.length === 1 || error instanceof StorageUnavailableError) {
        for (const p of batch) p.reject(error);
      } else {
        for (const p of batch) {
          await this.#write([p.item]).then((results) => p.resolve(results?.[0] as R), p.reject);
        }
      }
    } finally {
      this.#inFlight--;
      this.#schedule();
      if (this.#queue.length === 0 && this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
