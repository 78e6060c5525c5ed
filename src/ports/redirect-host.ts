/**
 * The host a redirect URI names, as a browser will resolve it, or undefined for a private-use URI without an
 * authority (`com.example.app:/cb`). `http` and `https` hosts go through the WHATWG URL parser, which lower-cases
 * them, decodes percent-encoding, turns IDNs into ASCII and IPv4 and IPv6 literals into their canonical forms
 * (`0x7f.1` is `127.0.0.1`); the root dot of a fully qualified name is dropped (`evil.example.` is evil.example).
 * Other schemes' hosts are opaque to the parser: lower-cased and without the root dot. So a deny- or allow-list
 * compares the host the code will go to, not the text that was written.
 *
 * @see https://url.spec.whatwg.org/#host-parsing
 */
export function redirectHost(uri: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(uri);
  if (!match) return undefined;
  let host: string;
  if (/^https?$/i.test(match[1]!) && URL.canParse(uri)) host = new URL(uri).hostname;
  else {
    const authority = match[2]!.toLowerCase();
    host = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d*$/, '');
  }
  return host.toLowerCase().replace(/\.$/, '') || undefined;
}

/** The hosts of a client's redirect URIs; a private-use scheme (`cursor:`) stands for URIs without a host. */
export function redirectHosts(uris: readonly string[]): string[] {
  return [...new Set(uris.map((uri) => redirectHost(uri) ?? uri.slice(0, uri.indexOf(':') + 1)))];
}
