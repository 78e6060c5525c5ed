/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined when there is none
 * or the header uses another scheme.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}
