/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined when there is none
 * or the header uses another scheme.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}

/**
 * The access token of an `Authorization` header and its scheme: `Bearer` (RFC 6750 §2.1) or `DPoP` (RFC 9449
 * §7.1, a token bound to a key, sent with a proof); undefined for none or another scheme.
 */
export function accessTokenCredentials(header: string | undefined): { scheme: 'Bearer' | 'DPoP'; token: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) return undefined;
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2]! };
}
