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

/** Signs JWTs with the server's current signing key. */
export interface TokenSigner {
  /** A compact JWS of `claims`, with the current key's `kid` and the given `typ` in its header. */
  sign(claims: Record<string, unknown>, typ: 'at+jwt' | 'JWT'): Promise<string>;
}

/** Checks JWTs this server signed: signature with a current or retired key, issuer, type and expiry. */
export interface TokenVerifier {
  /** The claims of a valid access token (`typ: at+jwt`), or undefined for anything else. */
  verifyAccessToken(token: string): Promise<Record<string, unknown> | undefined>;
}
