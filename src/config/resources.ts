/**
 * The protected resources (RFC 8707 resource servers, MCP servers) this server issues tokens for, as written in
 * the configuration (`resources`). Validated when the configuration loads, so a typo stops the server at start.
 */

/** One protected resource. */
export interface ProtectedResource {
  /** Its canonical URI (RFC 8707 §2): what tokens carry in `aud`, exactly as written here. */
  uri: string;
  /** The name the consent page shows. */
  name: string;
  /** The scopes it understands; `scopes_supported` is their union (with the OpenID Connect scopes). */
  scopes: string[];
  /** Whether machine clients (`client_credentials`, no user) may get tokens for it. */
  machineClients: boolean;
  /** The audience of a request that names no `resource`; the first resource when none says so. */
  default: boolean;
}

/** Scopes about the user, not a resource: they stay supported when resources name their own scopes, and are never granted without a user. */
export const identityScopes: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

const known = new Set(['uri', 'name', 'scopes', 'machineClients', 'default']);

/** Checks `value` as a list of {@link ProtectedResource}; returns an error message or the validated value. */
export function parseResources(value: unknown): ProtectedResource[] | string {
  if (!Array.isArray(value)) return 'a list of resources ({"uri", "name", "scopes", "machineClients"})';
  const result: ProtectedResource[] = [];
  for (const raw of value) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'resources as objects';
    const entry = raw as Record<string, unknown>;
    const uri = entry['uri'];
    if (typeof uri !== 'string' || !URL.canParse(uri)) return 'resources with an absolute "uri"';
    const unknown = Object.keys(entry).find((key) => !known.has(key));
    if (unknown !== undefined) return `known members only for resource ${uri} (unknown "${unknown}")`;
    const url = new URL(uri);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `an http or https "uri" for resource ${uri}`;
    // RFC 8707 §2: the resource indicator "MUST NOT include a fragment component".
    if (uri.includes('#') || url.username || url.password) return `a "uri" without fragment or user information for resource ${uri}`;
    const name = entry['name'] ?? url.host;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) return `a "name" of 1 to 200 characters for resource ${uri}`;
    const scopes = entry['scopes'] ?? [];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
      return `"scopes" as a list of scope names (RFC 6749 §3.3) for resource ${uri}`;
    }
    for (const flag of ['machineClients', 'default'] as const) {
      if (entry[flag] !== undefined && typeof entry[flag] !== 'boolean') return `"${flag}" as true or false for resource ${uri}`;
    }
    result.push({ uri, name, scopes: [...new Set(scopes as string[])], machineClients: entry['machineClients'] === true, default: entry['default'] === true });
  }
  if (result.filter((r) => r.default).length > 1) return 'at most one resource with "default": true';
  return result;
}

/**
 * The form two resource URIs are compared in: what clients get wrong in practice does not matter (the case
 * of scheme and host, a default port, a trailing slash), everything else does (path, query). Undefined for a
 * value that is not an absolute URI.
 *
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3 (scheme-based normalisation)
 */
export function resourceKey(uri: string): string | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  // Hosts of special schemes are lower-cased and default ports dropped by the WHATWG parser; the path loses its
  // trailing slashes, so `https://mcp.example.com/` and `https://MCP.example.com:443` are one resource.
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}${url.search}`;
}
