/**
 * Enterprise identity providers (`identity.enterpriseProviders`): the IdPs whose Identity Assertion JWT
 * Authorization Grants (ID-JAG) the token endpoint accepts, as written in the configuration. Pure parsing:
 * validated when the configuration loads, so a typo stops the server at start.
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
import { isLoopbackUrl } from './identity.js';

/** One enterprise IdP: whose assertions (`iss`) are trusted, and the keys they are signed with. */
export interface EnterpriseProvider {
  /**
   * `[a-z0-9-]{1,32}`, unique among enterprise and upstream providers: users are linked by (id, `sub`), as an
   * upstream sign-in links them, so two providers of one id would share their users.
   */
  id: string;
  /** The IdP's issuer identifier, compared exactly with an assertion's `iss` (RFC 8414 §2). */
  issuer: string;
  /** The IdP's public keys inline, or null when they are fetched from `jwksUri`. */
  jwks: { keys: Record<string, unknown>[] } | null;
  /** Where the IdP publishes its JWK Set (https; http on a loopback address for tests), or null with `jwks`. */
  jwksUri: string | null;
}

/**
 * Ids a provider may not take: `host` is a host app's users (users/host-accounts.ts) and `local` is how the
 * audit trail and metrics name password sign-ins.
 */
const reservedIds = new Set(['host', 'local']);
/** Key types of public-key algorithms; `oct` (a shared secret) would let whoever knows it mint assertions. */
const publicKeyTypes = new Set(['RSA', 'EC', 'OKP']);
/** JWK members of private or secret keys, which have no business in a configuration of trusted keys. */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Reads `identity.enterpriseProviders`: a list of `{"id", "issuer", "jwksUri"}` or `{"id", "issuer", "jwks"}`.
 * Throws an Error whose message names the entry and member at fault. That ids differ from `identity.providers`
 * is checked with the other cross-option rules (config/load.ts).
 */
export function parseEnterpriseProviders(value: unknown): EnterpriseProvider[] {
  if (!Array.isArray(value)) throw new Error('identity.enterpriseProviders must be a list of providers ({"id", "issuer", "jwksUri"} or {"id", "issuer", "jwks"})');
  const result: EnterpriseProvider[] = [];
  value.forEach((entry: unknown, index) => {
    const where = `identity.enterpriseProviders[${index}]`;
    if (!isObject(entry)) throw new Error(`${where} must be an object`);
    const provider = parseProvider(entry, where);
    if (result.some((p) => p.id === provider.id)) throw new Error(`${where}.id "${provider.id}" is used by another enterprise provider`);
    if (result.some((p) => p.issuer === provider.issuer)) throw new Error(`${where}.issuer "${provider.issuer}" is configured twice`);
    result.push(provider);
  });
  return result;
}

function parseProvider(entry: Record<string, unknown>, where: string): EnterpriseProvider {
  const unknown = Object.keys(entry).find((key) => !['id', 'issuer', 'jwks', 'jwksUri'].includes(key));
  if (unknown !== undefined) throw new Error(`${where}.${unknown} is unknown (id, issuer, jwks, jwksUri)`);
  const id = entry['id'];
  if (typeof id !== 'string' || !/^[a-z0-9-]{1,32}$/.test(id)) throw new Error(`${where}.id must be 1 to 32 lower-case letters, digits and "-"`);
  if (reservedIds.has(id)) throw new Error(`${where}.id "${id}" is reserved: choose another id`);
  const issuer = entry['issuer'];
  if (typeof issuer !== 'string' || !URL.canParse(issuer) || issuer.length > 2048) throw new Error(`${where}.issuer must be an absolute URL`);
  // An issuer is compared exactly (RFC 8414 §3.3): keep what was written, trailing slash included.
  if (!secureUrl(issuer)) throw new Error(`${where}.issuer must use https (http only for localhost, 127.0.0.0/8 and [::1])`);
  const { jwks, jwksUri } = entry;
  if ((jwks === undefined) === (jwksUri === undefined)) throw new Error(`${where} needs exactly one of "jwks" and "jwksUri"`);
  if (jwksUri !== undefined) {
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri) || !secureUrl(jwksUri)) {
      throw new Error(`${where}.jwksUri must be an https URL (http only for localhost, 127.0.0.0/8 and [::1])`);
    }
    return { id, issuer, jwks: null, jwksUri };
  }
  return { id, issuer, jwks: parseJwks(jwks, `${where}.jwks`), jwksUri: null };
}

/** A JWK Set of public keys only. */
function parseJwks(value: unknown, where: string): { keys: Record<string, unknown>[] } {
  if (!isObject(value) || !Array.isArray(value['keys']) || value['keys'].length === 0 || !value['keys'].every(isObject)) {
    throw new Error(`${where} must be a JWK Set with at least one key ({"keys": [...]})`);
  }
  const keys = value['keys'] as Record<string, unknown>[];
  keys.forEach((key, i) => {
    if (typeof key['kty'] !== 'string' || !publicKeyTypes.has(key['kty'])) throw new Error(`${where}.keys[${i}].kty must be RSA, EC or OKP (a public key)`);
    const secret = privateMembers.find((member) => key[member] !== undefined);
    if (secret !== undefined) throw new Error(`${where}.keys[${i}] holds private key material ("${secret}"): configure the public key only`);
  });
  return { keys };
}

function secureUrl(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
