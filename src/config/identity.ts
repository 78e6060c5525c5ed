/**
 * Upstream identity providers (`identity.providers`) and the rules that say who may sign in and who is an
 * administrator, as written in the configuration. Pure parsing: validated when the configuration loads, so a typo
 * stops the server at start; secrets in files and private keys are read when the clients are built.
 */

/** `oidc`: any OpenID Connect provider, found by discovery. `github`: GitHub's OAuth 2.0 and its REST API. */
export type ProviderKind = 'oidc' | 'github';

/** One upstream provider, with every default filled in. */
export interface IdentityProvider {
  /** `[a-z0-9-]{1,32}`, unique: the callback URL is `{issuer}/signin/callback/{id}`, and identities are linked by it. */
  id: string;
  /** The sign-in button's label. */
  name: string;
  kind: ProviderKind;
  /** oidc: where discovery is (the issuer, or Entra's `common` endpoint for several tenants); github: null. */
  issuer: string | null;
  clientId: string;
  clientSecret: string | null;
  /** A file holding the client secret (a mounted secret), read when the clients are built. */
  clientSecretFile: string | null;
  /** oidc only, instead of a secret: `private_key_jwt` (RFC 7523) with a PKCS#8 PEM or a JWK in `keyFile`. */
  privateKeyJwt: { keyFile: string; kid: string | null; alg: string | null } | null;
  scopes: string[];
  /** The names of the claims read for the profile: providers differ (`upn`, `nickname`, `roles`). */
  claims: { email: string; name: string; username: string; groups: string };
  /** github only: the site (authorize, token) and its REST API. */
  github: { baseUrl: string; apiUrl: string } | null;
  /**
   * Entra ID for any tenant (`tenant`: `common`, `organizations`, `consumers`): the issuer template that discovery
   * names, whose `{tenantid}` the ID token's `tid` claim fills in to give the `iss` it must carry.
   */
  multiTenantIssuer: string | null;
}

/**
 * Who may sign in (`identity.allow`) or who is an administrator (`identity.admins`). A person matches when any
 * member matches; an empty rule matches nobody.
 */
export interface IdentityRule {
  /** Domains of verified email addresses (`example.com` matches `a@example.com`, not `a@sub.example.com`). */
  emailDomains?: string[];
  /** Verified email addresses, compared case-insensitively. */
  emails?: string[];
  /**
   * A claim (or, for GitHub, a member of the `/user` object): a string equal to a value, or a list holding one.
   * Claims mean what their provider makes of them (a GitLab group anyone can create, an Entra role any tenant's
   * admin can assign), so with several providers the rule must name the one it trusts (`provider`).
   */
  claim?: { name: string; values: string[]; provider?: string };
  /** Everyone a provider signs in (only for `identity.allow`). */
  anyone?: boolean;
}

const multiTenants = new Set(['common', 'organizations', 'consumers']);
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const privateKeyAlgs = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** What each preset reads besides the common members, and the provider it describes. */
const presets: Record<string, { name: string; members: string[] }> = {
  google: { name: 'Google', members: [] },
  entra: { name: 'Microsoft', members: ['tenant'] },
  okta: { name: 'Okta', members: ['domain', 'authorizationServerId'] },
  auth0: { name: 'Auth0', members: ['domain'] },
  keycloak: { name: 'Keycloak', members: ['baseUrl', 'realm'] },
  gitlab: { name: 'GitLab', members: ['baseUrl'] },
  github: { name: 'GitHub', members: ['baseUrl', 'apiUrl'] },
};
const common = ['id', 'name', 'preset', 'issuer', 'clientId', 'clientSecret', 'clientSecretFile', 'privateKeyJwt', 'scopes', 'claims'];

/**
 * Whether a URL's host is this machine: `localhost`, `127.0.0.0/8` or `[::1]`. Only these may be reached over
 * plain http (tests, local development); a token exchange over http anywhere else would expose the code and secret.
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An https URL (http for loopback hosts), without query, fragment or user information; its text without a trailing slash. */
function baseUrl(value: unknown, where: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) throw new Error(`${where} must be an absolute URL`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    throw new Error(`${where} must use https (http only for localhost, 127.0.0.0/8 and [::1]); got ${value}`);
  }
  if (url.search || url.hash || url.username || url.password) throw new Error(`${where} must not have a query, fragment or user information`);
  return url.href.replace(/\/+$/, '');
}

function text(entry: Record<string, unknown>, member: string, where: string, required: true): string;
function text(entry: Record<string, unknown>, member: string, where: string, required: false): string | null;
function text(entry: Record<string, unknown>, member: string, where: string, required: boolean): string | null {
  const value = entry[member];
  if (value === undefined && !required) return null;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 2048) {
    throw new Error(`${where}.${member} ${required && value === undefined ? 'is required' : 'must be a non-empty string'}`);
  }
  return value;
}

/** The issuer a preset names, from its own members. */
function presetIssuer(preset: string, entry: Record<string, unknown>, where: string): { issuer: string; multiTenantIssuer: string | null } {
  const host = (member: string): string => {
    const value = text(entry, member, where, true);
    if (!hostName.test(value)) throw new Error(`${where}.${member} must be a host name such as ${preset === 'okta' ? 'dev-123456.okta.com' : 'example.eu.auth0.com'} (no https://)`);
    return value.toLowerCase();
  };
  switch (preset) {
    case 'google':
      return { issuer: 'https://accounts.google.com', multiTenantIssuer: null };
    case 'entra': {
      const tenant = text(entry, 'tenant', where, true);
      if (!hostName.test(tenant)) throw new Error(`${where}.tenant must be a tenant id, a verified domain, or common, organizations or consumers`);
      const t = tenant.toLowerCase();
      // For these the issuer depends on who signs in: discovery names it as a template and `tid` fills it in.
      if (multiTenants.has(t)) return { issuer: `https://login.microsoftonline.com/${t}/v2.0`, multiTenantIssuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' };
      return { issuer: `https://login.microsoftonline.com/${t}/v2.0`, multiTenantIssuer: null };
    }
    case 'okta': {
      const domain = host('domain');
      const server = text(entry, 'authorizationServerId', where, false);
      if (server !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(server)) throw new Error(`${where}.authorizationServerId must be an id such as default or aus1a2b3c4d`);
      return { issuer: server === null ? `https://${domain}` : `https://${domain}/oauth2/${server}`, multiTenantIssuer: null };
    }
    case 'auth0':
      // Auth0's issuer ends with a slash, and discovery compares it exactly.
      return { issuer: `https://${host('domain')}/`, multiTenantIssuer: null };
    case 'keycloak': {
      const realm = text(entry, 'realm', where, true);
      return { issuer: `${baseUrl(text(entry, 'baseUrl', where, true), `${where}.baseUrl`)}/realms/${encodeURIComponent(realm)}`, multiTenantIssuer: null };
    }
    case 'gitlab':
      return { issuer: baseUrl(entry['baseUrl'] ?? 'https://gitlab.com', `${where}.baseUrl`), multiTenantIssuer: null };
    default:
      throw new Error(`${where}.preset must be one of ${Object.keys(presets).join(', ')}`);
  }
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '' || item.length > 256)) {
    throw new Error(`${where} must be a list of non-empty strings`);
  }
  return [...new Set(value as string[])];
}

function parseClaims(value: unknown, where: string): IdentityProvider['claims'] {
  const claims = { email: 'email', name: 'name', username: 'preferred_username', groups: 'groups' };
  if (value === undefined) return claims;
  if (!isObject(value)) throw new Error(`${where}.claims must be an object such as {"username": "upn"}`);
  for (const [member, name] of Object.entries(value)) {
    if (!(member in claims)) throw new Error(`${where}.claims.${member} is unknown (email, name, username, groups)`);
    if (typeof name !== 'string' || name === '') throw new Error(`${where}.claims.${member} must be a claim name`);
    claims[member as keyof typeof claims] = name;
  }
  return claims;
}

function parsePrivateKeyJwt(value: unknown, where: string): IdentityProvider['privateKeyJwt'] {
  if (value === undefined) return null;
  if (!isObject(value)) throw new Error(`${where}.privateKeyJwt must be an object {"keyFile", "kid", "alg"}`);
  const unknown = Object.keys(value).find((key) => !['keyFile', 'kid', 'alg'].includes(key));
  if (unknown !== undefined) throw new Error(`${where}.privateKeyJwt.${unknown} is unknown (keyFile, kid, alg)`);
  const alg = text(value, 'alg', `${where}.privateKeyJwt`, false);
  if (alg !== null && !privateKeyAlgs.has(alg)) throw new Error(`${where}.privateKeyJwt.alg must be one of ${[...privateKeyAlgs].join(', ')}`);
  return { keyFile: text(value, 'keyFile', `${where}.privateKeyJwt`, true), kid: text(value, 'kid', `${where}.privateKeyJwt`, false), alg };
}

/** One entry of `identity.providers`; `where` names it in messages. */
function parseProvider(entry: Record<string, unknown>, where: string): IdentityProvider {
  const preset = text(entry, 'preset', where, false);
  if (preset !== null && !Object.hasOwn(presets, preset)) throw new Error(`${where}.preset must be one of ${Object.keys(presets).join(', ')} (got "${preset}")`);
  const kind: ProviderKind = preset === 'github' ? 'github' : 'oidc';
  const known = new Set([...common, ...(preset === null ? [] : (presets[preset]?.members ?? []))]);
  const unknown = Object.keys(entry).find((key) => !known.has(key));
  if (unknown !== undefined) throw new Error(`${where}.${unknown} is unknown${preset === null ? '' : ` for preset ${preset}`}`);

  let issuer: string | null = null;
  let multiTenantIssuer: string | null = null;
  let github: IdentityProvider['github'] = null;
  if (preset !== null && entry['issuer'] !== undefined) throw new Error(`${where}: give either "preset" or "issuer", not both`);
  if (preset === 'github') {
    const site = baseUrl(entry['baseUrl'] ?? 'https://github.com', `${where}.baseUrl`);
    // github.com's API has a host of its own; GitHub Enterprise Server serves it under /api/v3.
    const api = entry['apiUrl'] ?? (site === 'https://github.com' ? 'https://api.github.com' : `${site}/api/v3`);
    github = { baseUrl: site, apiUrl: baseUrl(api, `${where}.apiUrl`) };
  } else if (preset !== null) {
    ({ issuer, multiTenantIssuer } = presetIssuer(preset, entry, where));
  } else if (entry['issuer'] === undefined) {
    throw new Error(`${where} needs "preset" (${Object.keys(presets).join(', ')}) or "issuer" (any OpenID Connect provider)`);
  } else {
    // An issuer is compared exactly (OpenID Connect Discovery §4.3): keep what was written, trailing slash included.
    baseUrl(entry['issuer'], `${where}.issuer`);
    issuer = entry['issuer'] as string;
  }

  const id = preset === null ? text(entry, 'id', where, true) : (text(entry, 'id', where, false) ?? preset);
  if (!/^[a-z0-9-]{1,32}$/.test(id)) throw new Error(`${where}.id must be 1 to 32 lower-case letters, digits and "-" (got "${id}")`);
  // A host app's users are linked as provider `host` (users/host-accounts.ts): a provider of that id would share
  // their identities, and whoever it names by subject `42` would sign in as the host's user `42`.
  if (id === 'host') throw new Error(`${where}.id "host" is reserved for a host app's users: choose another id`);
  const name = text(entry, 'name', where, false) ?? (preset === null ? id : presets[preset]!.name);
  if (name.length > 100) throw new Error(`${where}.name must be at most 100 characters`);

  const clientSecret = text(entry, 'clientSecret', where, false);
  const clientSecretFile = text(entry, 'clientSecretFile', where, false);
  const privateKeyJwt = parsePrivateKeyJwt(entry['privateKeyJwt'], where);
  if (kind === 'github' && privateKeyJwt !== null) throw new Error(`${where}.privateKeyJwt is not supported by GitHub: use clientSecret or clientSecretFile`);
  const credentials = [clientSecret, clientSecretFile, privateKeyJwt].filter((c) => c !== null).length;
  if (credentials !== 1) {
    throw new Error(`${where} needs exactly one of clientSecret, clientSecretFile${kind === 'oidc' ? ' or privateKeyJwt' : ''} (got ${credentials})`);
  }

  const scopes = entry['scopes'] === undefined ? (kind === 'oidc' ? ['openid', 'email', 'profile'] : ['read:user', 'user:email']) : stringList(entry['scopes'], `${where}.scopes`);
  if (scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) throw new Error(`${where}.scopes must be scope names (RFC 6749 §3.3)`);
  if (kind === 'oidc' && !scopes.includes('openid')) throw new Error(`${where}.scopes must include openid`);

  return {
    id, name, kind, issuer,
    clientId: text(entry, 'clientId', where, true),
    clientSecret, clientSecretFile, privateKeyJwt, scopes,
    claims: parseClaims(entry['claims'], where),
    github, multiTenantIssuer,
  };
}

/**
 * Reads `identity.providers`: a list of `{"preset": "google", "clientId", "clientSecret"}` or
 * `{"id", "issuer", "clientId", …}` entries. Throws an Error whose message names the entry and member at fault.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#IssuerDiscovery
 */
export function parseIdentityProviders(value: unknown): IdentityProvider[] {
  if (!Array.isArray(value)) throw new Error('identity.providers must be a list of providers ({"preset": "google", "clientId", "clientSecret"} or {"id", "issuer", …})');
  const result: IdentityProvider[] = [];
  value.forEach((entry: unknown, index) => {
    const where = `identity.providers[${index}]`;
    if (!isObject(entry)) throw new Error(`${where} must be an object`);
    const provider = parseProvider(entry, where);
    if (result.some((p) => p.id === provider.id)) throw new Error(`${where}.id "${provider.id}" is used by another provider: give each an "id" of its own`);
    result.push(provider);
  });
  return result;
}

/**
 * Reads an {@link IdentityRule} (`where` names it in messages, e.g. `identity.admins`). `anyone` is refused
 * unless `allowAnyone` (it is meaningful for who may sign in, never for who is an administrator).
 */
export function parseIdentityRule(value: unknown, where = 'identity rule', { allowAnyone = true }: { allowAnyone?: boolean } = {}): IdentityRule {
  if (!isObject(value)) throw new Error(`${where} must be an object such as {"emailDomains": ["example.com"]}`);
  const rule: IdentityRule = {};
  for (const [member, raw] of Object.entries(value)) {
    const at = `${where}.${member}`;
    switch (member) {
      case 'emailDomains':
        rule.emailDomains = list(raw, at).map((domain) => {
          const plain = domain.toLowerCase().replace(/^@/, '');
          if (!hostName.test(plain)) throw new Error(`${at} must hold domain names such as example.com (got "${domain}")`);
          return plain;
        });
        break;
      case 'emails':
        rule.emails = list(raw, at).map((email) => {
          if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`${at} must hold email addresses (got "${email}")`);
          return email.toLowerCase();
        });
        break;
      case 'claim': {
        if (!isObject(raw) || typeof raw['name'] !== 'string' || raw['name'] === '') throw new Error(`${at} must be {"name": "groups", "values": ["staff"]}`);
        const extra = Object.keys(raw).find((key) => key !== 'name' && key !== 'values' && key !== 'provider');
        if (extra !== undefined) throw new Error(`${at}.${extra} is unknown (name, values, provider)`);
        // An address in a claim is as good as the provider's check of it, which a claim rule would skip.
        if (/^email/i.test(raw['name'])) throw new Error(`${at}.name cannot be "${raw['name']}": use emails or emailDomains, which match only verified addresses`);
        const provider = raw['provider'];
        if (provider !== undefined && (typeof provider !== 'string' || provider === '')) throw new Error(`${at}.provider must be the id of a configured provider`);
        rule.claim = { name: raw['name'], values: list(raw['values'], `${at}.values`), ...(provider === undefined ? {} : { provider }) };
        break;
      }
      case 'anyone':
        if (!allowAnyone) throw new Error(`${at} is not allowed here: name the people (emails, emailDomains or claim)`);
        if (typeof raw !== 'boolean') throw new Error(`${at} must be true or false`);
        rule.anyone = raw;
        break;
      default:
        throw new Error(`${at} is unknown (emailDomains, emails, claim${allowAnyone ? ', anyone' : ''})`);
    }
  }
  return rule;
}

function list(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) throw new Error(`${where} must be a list of non-empty strings`);
  return [...new Set(value as string[])];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
