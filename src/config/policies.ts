/**
 * Registration policies: named sets of restrictions on what a dynamically registered client may ask for.
 * `registration.policy` names the one that applies to open registration; an initial access token can name
 * another. The shapes here are validated when the configuration loads, so a typo stops the server at start.
 */

/** One registration policy. Every member is optional: an absent member restricts nothing. */
export interface RegistrationPolicy {
  /**
   * Hosts a redirect URI may use: exact host names, or `*.example.com` for any subdomain (not the bare
   * domain). Loopback hosts (`127.0.0.1`, `[::1]`, `localhost`) are matched like any other host.
   */
  allowRedirectHosts?: string[];
  /** Hosts no redirect URI may use, in the same forms; the deny-list wins over the allow-list. */
  denyRedirectHosts?: string[];
  /** URI schemes a redirect URI may use, without the colon (`https`, `http`, `cursor`). */
  allowRedirectSchemes?: string[];
  /** The scopes clients under this policy may register and be granted; others are dropped. */
  allowScopes?: string[];
  /** The `token_endpoint_auth_method`s clients under this policy may register. */
  allowTokenEndpointAuthMethods?: string[];
  /** The most clients registered under this policy at once. */
  maxClients?: number;
  /** The most `redirect_uris` one client under this policy may register (at most `registration.maxRedirectUris`). */
  maxRedirectUris?: number;
  /**
   * Clients registered under this policy with an initial access token or a software statement may use
   * `client_credentials` (tokens without a user, for resources with `machineClients`). Never for open
   * registration, whatever the policy says.
   */
  allowClientCredentials?: boolean;
  /** Clients registered under this policy with an initial access token or a software statement may introspect tokens (resource servers). */
  allowIntrospection?: boolean;
}

/** A trusted issuer of software statements (RFC 7591 §2.3): its keys inline, or a JWKS URL. */
export interface SoftwareStatementIssuer {
  /** The statement's `iss` claim. */
  issuer: string;
  /** A JWK Set object of the issuer's public keys. */
  jwks?: { keys: Record<string, unknown>[] };
  /** Or where to fetch it (https), cached and re-fetched on an unknown `kid`. */
  jwksUri?: string;
  /** The registration policy applied to clients registered with this issuer's statements. */
  policy?: string;
}

const hostPattern = /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$|^\d{1,3}(\.\d{1,3}){3}$/i;
const schemePattern = /^[a-z][a-z0-9+.-]*$/i;

/** Checks `value` as a `Record<name, RegistrationPolicy>`; returns an error message or the validated value. */
export function parsePolicies(value: unknown): Record<string, RegistrationPolicy> | string {
  if (!isObject(value)) return 'an object of named policies';
  const result: Record<string, RegistrationPolicy> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return `policy names of letters, digits, "_", "." and "-" (got "${name}")`;
    if (!isObject(raw)) return `an object for policy "${name}"`;
    const policy: RegistrationPolicy = {};
    for (const [field, member] of Object.entries(raw)) {
      const where = `policy "${name}" member "${field}"`;
      switch (field) {
        case 'allowRedirectHosts':
        case 'denyRedirectHosts': {
          if (!isStringList(member) || member.some((h) => !hostPattern.test(h))) {
            return `${where} as a list of host names (exact, or "*.example.com")`;
          }
          policy[field] = member.map((h) => h.toLowerCase());
          break;
        }
        case 'allowRedirectSchemes':
          if (!isStringList(member) || member.some((s) => !schemePattern.test(s))) return `${where} as a list of URI schemes without ":"`;
          policy[field] = member.map((s) => s.toLowerCase());
          break;
        case 'allowScopes':
        case 'allowTokenEndpointAuthMethods':
          if (!isStringList(member) || member.some((s) => s === '' || /\s/.test(s))) return `${where} as a list of names`;
          policy[field] = [...member];
          break;
        case 'allowClientCredentials':
        case 'allowIntrospection':
          if (typeof member !== 'boolean') return `${where} as true or false`;
          policy[field] = member;
          break;
        case 'maxClients':
        case 'maxRedirectUris':
          if (typeof member !== 'number' || !Number.isInteger(member) || member < 1) return `${where} as a positive integer`;
          policy[field] = member;
          break;
        default:
          return `known members only in policy "${name}" (unknown "${field}")`;
      }
    }
    result[name] = policy;
  }
  return result;
}

/** Checks `value` as a list of {@link SoftwareStatementIssuer}; returns an error message or the validated value. */
export function parseStatementIssuers(value: unknown): SoftwareStatementIssuer[] | string {
  if (!Array.isArray(value)) return 'a list of trusted issuers ({"issuer", "jwks" or "jwksUri"})';
  const result: SoftwareStatementIssuer[] = [];
  for (const raw of value) {
    if (!isObject(raw) || typeof raw['issuer'] !== 'string' || raw['issuer'] === '') return 'issuers with a non-empty "issuer"';
    const { issuer, jwks, jwksUri, policy, ...rest } = raw;
    if (Object.keys(rest).length > 0) return `known members only for issuer "${issuer}" (unknown "${Object.keys(rest)[0]}")`;
    if ((jwks === undefined) === (jwksUri === undefined)) return `exactly one of "jwks" and "jwksUri" for issuer "${issuer}"`;
    const entry: SoftwareStatementIssuer = { issuer };
    if (jwks !== undefined) {
      if (!isObject(jwks) || !Array.isArray(jwks['keys']) || !jwks['keys'].every(isObject)) return `a JWK Set ({"keys": [...]}) for issuer "${issuer}"`;
      entry.jwks = { keys: jwks['keys'] as Record<string, unknown>[] };
    }
    if (jwksUri !== undefined) {
      if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri) || !/^https?:$/.test(new URL(jwksUri).protocol)) {
        return `an http(s) URL as "jwksUri" of issuer "${issuer}"`;
      }
      entry.jwksUri = jwksUri;
    }
    if (policy !== undefined) {
      if (typeof policy !== 'string') return `a policy name as "policy" of issuer "${issuer}"`;
      entry.policy = policy;
    }
    result.push(entry);
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
