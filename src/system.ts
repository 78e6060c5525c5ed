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
  timeOrderedUuid: (nowMs) => uuidV7(nowMs, take(10)),
};

/**
 * RFC 9562 §5.7: 48 bits of Unix time in milliseconds, the version (7), 12 random bits, the variant (10) and 62
 * random bits. `random` is 10 bytes; its first nibble and the variant's two bits are overwritten.
 */
export function uuidV7(nowMs: number, random: Buffer): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, Math.min(Math.trunc(nowMs), 0xffff_ffff_ffff)), 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
