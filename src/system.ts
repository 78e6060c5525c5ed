import { randomFillSync, randomUUID } from 'node:crypto';
import type { Clock, RandomSource } from './ports/clock.js';

/** The real clock, for the composition root; tests pass a fixed one. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Random bytes are drawn from the operating system's CSPRNG 8 KiB at a time and handed out once each:
 * one `randomBytes` call per secret cost a tenth of a registration's CPU time. Every byte is used at most
 * once, so the output is exactly as unpredictable as `randomBytes`'.
 */
const pool = Buffer.alloc(8192);
let offset = pool.length;

function take(bytes: number): Buffer {
  if (bytes > pool.length) return randomFillSync(Buffer.alloc(bytes));
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const slice = Buffer.from(pool.subarray(offset, offset + bytes));
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return slice;
}

/** Cryptographically secure randomness from node:crypto. */
export const systemRandom: RandomSource = {
  token: (bytes) => take(bytes).toString('base64url'),
  uuid: () => randomUUID(),
};
