import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, RandomSource } from './protocol/context.js';

/** The real clock, for the composition root; tests pass a fixed one. */
export const systemClock: Clock = { now: () => Date.now() };

/** Cryptographically secure randomness from node:crypto. */
export const systemRandom: RandomSource = {
  token: (bytes) => randomBytes(bytes).toString('base64url'),
  uuid: () => randomUUID(),
};
