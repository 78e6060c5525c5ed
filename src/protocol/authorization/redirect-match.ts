const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether a redirect URI presented at `/authorize` is one the client registered: character for character, except
 * that an `http` loopback redirect matches on any port, as native apps listen on a port chosen at run time.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.1.3 (exact matching)
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3 (loopback: "MUST allow any port")
 */
export function redirectUriMatches(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  const candidate = loopbackWithoutPort(presented);
  return candidate !== undefined && registered.some((uri) => loopbackWithoutPort(uri) === candidate);
}

/**
 * An `http` loopback URI with its port removed, or undefined for any other URI. The port must be one a socket
 * can listen on (1 to 65535): "any port" is not any number, and a URI no URL parser accepts (`:99999`) must not
 * match, or the response would be built on it.
 */
function loopbackWithoutPort(uri: string): string | undefined {
  const match = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(\d{1,5}))?([/?][^#]*)?$/i.exec(uri);
  if (!match || !loopbackHosts.has(match[1]!.toLowerCase())) return undefined;
  if (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65_535)) return undefined;
  if (!URL.canParse(uri)) return undefined;
  return `http://${match[1]!.toLowerCase()}${match[3] ?? '/'}`;
}
