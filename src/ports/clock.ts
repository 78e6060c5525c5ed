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
  /**
   * A fresh version 7 UUID for the time `nowMs`: ids made later sort after ids made earlier, so rows keyed by
   * them are appended to their indexes' last pages instead of written into random ones.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.7
   */
  timeOrderedUuid(nowMs: number): string;
}
