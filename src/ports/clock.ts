/** The time source of protocol code, so that expiry and replay tests can fix the clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The random source of protocol code. */
export interface RandomSource {
  /** A fresh secret of `bytes` random bytes, base64url-encoded. */
  token(bytes: number): string;
  /** A fresh random (version 4) UUID. */
  uuid(): string;
}
