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
