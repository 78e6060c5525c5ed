import { StorageUnavailableError } from '../ports/storage.js';
import type { Guard } from './sql/schema.js';

/** Whether the database takes writes, as `/readyz` asks it: see {@link trackWriteHealth}. */
export interface WriteHealth {
  /** `guard`, noting every failure that means the database is unavailable (a full disk, a read-only file). */
  guard: Guard;
  /**
   * True unless the last unavailable failure has not been followed by a successful probe write: while writes
   * fail, each call tries `probe` once more, so readiness comes back by itself once space is back, even when
   * no traffic reaches an instance the load balancer has taken out.
   */
  writable(): Promise<boolean>;
}

/**
 * Readiness that reflects writes, not only a ping: a database on a full disk still answers `select 1`, and an
 * instance whose every write fails should leave the load balancer's pool. Only a failure is remembered, and it
 * is cleared by a real write (`probe`), so a healthy database costs nothing more than before.
 */
export function trackWriteHealth(guard: Guard, probe: () => Promise<void>): WriteHealth {
  let failing = false;
  return {
    guard: async (work) => {
      try {
        return await guard(work);
      } catch (error) {
        if (error instanceof StorageUnavailableError) failing = true;
        throw error;
      }
    },
    async writable() {
      if (!failing) return true;
      try {
        await guard(probe);
        failing = false;
      } catch {
        // Still failing: not ready.
      }
      return !failing;
    },
  };
}
