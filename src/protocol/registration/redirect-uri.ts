import { OAuthError } from '../../errors/oauth-error.js';

/** What kind of redirect a URI is; it decides which clients may use it and the implied `application_type`. */
export type RedirectKind = 'https' | 'loopback' | 'private-use';

/**
 * Schemes that must never receive an authorization response: they run code, read local files, or leave the
 * browser for something that is not the client. `livescript` is an old alias of `javascript`; `mhtml`,
 * `ms-msdt` and `search-ms` have run code on Windows (CVE-2022-30190); `smb` leaks the user's NTLM hash.
 */
const forbiddenSchemes = new Set([
  'javascript', 'livescript', 'vbscript', 'data', 'file', 'blob', 'about', 'filesystem', 'view-source', 'mailto',
  'tel', 'sms', 'ftp', 'ws', 'wss', 'urn', 'jar', 'intent', 'content', 'mhtml', 'ms-msdt', 'search-ms', 'smb',
]);

/** The hosts an `http` redirect may name (RFC 8252 §7.3, §8.3); `localhost` is tolerated as real clients use it. */
const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Characters RFC 3986 allows in a URI, outside percent-encodings. Anything else (space, `\`, CR/LF, `<`, non-ASCII) is refused, not repaired. */
const uriCharacters = /^[A-Za-z0-9\-._~:/?\[\]@!$&'()+,;=%]*$/;
const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Validates one registered redirect URI and says what kind it is.
 *
 * RFC 7591 §2: redirect URIs are absolute. RFC 6749 §3.1.2: no fragment. OAuth 2.1 §7.5.1 / RFC 9700 §4.1.3:
 * exact matching, so no wildcards. RFC 8252 §7.1–7.3 and §8.3: private-use schemes and `http` loopback for
 * native apps, other `http` refused. Malformed strings are refused rather than normalised, because a URI the
 * parser repairs is not the one the client will send at `/authorize`. The error description names the field
 * (`redirect_uris[2]`), not the value: RFC 6749 §5.2 allows only a restricted ASCII set there.
 *
 * @throws {OAuthError} `invalid_redirect_uri`
 */
export function validateRedirectUri(value: string, maxLength: number, label = 'redirect_uri'): RedirectKind {
  const refuse = (why: string): never => {
    throw new OAuthError('invalid_redirect_uri', `${label} ${why}`);
  };
  if (value.length === 0) refuse('is empty');
  if (value.length > maxLength) refuse(`is longer than ${maxLength} characters`);
  if (value.includes('#')) refuse('must not contain a fragment');
  if (value.includes('*')) refuse('must not contain a wildcard');
  if (!uriCharacters.test(value)) refuse('contains characters that are not allowed in a URI');
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) refuse('contains a malformed percent-encoding');
  const schemeMatch = scheme.exec(value);
  if (!schemeMatch) refuse('is not an absolute URI');
  const name = schemeMatch![1]!.toLowerCase();
  if (forbiddenSchemes.has(name)) refuse(`uses the forbidden scheme ${name}`);
  // `localhost:8080/cb` or `example.com:443/cb` parse as a scheme followed by a path, but are a host and port
  // whose scheme was left out: refuse them rather than register a URI no browser will ever redirect to.
  if (/^[^:]+:\d+(?:[/?]|$)/.test(value)) refuse('has no scheme (it starts with a host and port)');
  if (!URL.canParse(value)) refuse('is not a well-formed URI');
  const rest = value.slice(name.length + 1);
  // RFC 3986 §3.2.1: user information can make `https://trusted.example@evil.example` look trusted; refused
  // for every scheme with an authority, private-use ones included.
  const authority = rest.startsWith('//') ? rest.slice(2).split(/[/?]/, 1)[0]! : '';
  if (authority.includes('@')) refuse('must not contain user information');
  // A browser decodes `evil%2eexample` to evil.example, while a list of hosts compares the text: refused, not decoded.
  if (authority.includes('%')) refuse('must not percent-encode its host');

  if (name === 'https' || name === 'http') {
    if (!rest.startsWith('//') || rest.startsWith('///')) refuse('must be of the form scheme://host/path');
    const host = authority.replace(/:\d*$/, '').toLowerCase();
    if (host === '') refuse('has no host');
    if (!/:\d{1,5}$|^[^:]*$|^\[[^\]]*\]$/.test(authority)) refuse('has a malformed port');
    if (name === 'https') return 'https';
    if (!loopbackHosts.has(host)) refuse('uses http on a host other than a loopback address (127.0.0.1, [::1], localhost)');
    return 'loopback';
  }
  // RFC 8252 §7.1: a private-use scheme; `scheme:/path` and `scheme://host/path` are both used in practice.
  if (value.length === name.length + 1) refuse('has nothing after the scheme');
  return 'private-use';
}

