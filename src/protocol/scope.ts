/** The tokens of a scope string (RFC 6749 §3.3), without duplicates. */
export function scopeTokens(scope: string | undefined | null): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}

/**
 * The scope granted for a request: what was asked for, less what this server does not offer. A scope the
 * client did not register is not refused: agents register before they know the resource's scopes, so the
 * policy grants the supported subset instead (PRODUCT.md §3). Without a requested scope, the client's
 * registered scope is asked for.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3 ("the authorization server MAY fully or partially ignore the scope requested")
 */
export function grantableScope(requested: string | undefined, registered: string, supported: readonly string[]): string {
  const asked = requested === undefined || requested.trim() === '' ? scopeTokens(registered) : scopeTokens(requested);
  return asked.filter((token) => supported.includes(token)).join(' ');
}

/** Whether every token of `requested` is in `granted`: a refresh may narrow the scope, never widen it. */
export function isScopeSubset(requested: string, granted: string): boolean {
  const allowed = new Set(scopeTokens(granted));
  return scopeTokens(requested).every((token) => allowed.has(token));
}
