import { errors as joseErrors, importJWK, type JWK } from 'jose';
import { fallbackDefaultScope, type Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { jwtBearerGrantType, type ClientMetadata, type GrantType, type TokenEndpointAuthMethod } from '../../ports/client-metadata.js';
import { checkJsonText, metadataFields, type FieldRule, type MetadataField } from './metadata-fields.js';
import { validateRedirectUri, type RedirectKind } from './redirect-uri.js';

type RegistrationConfig = Config['registration'];
type FieldValue<T> = T extends 'string[]' ? string[] : T extends 'object' ? Record<string, unknown> : T extends 'boolean' ? boolean : string;
type Fields = { -readonly [K in MetadataField]?: FieldValue<(typeof metadataFields)[K]['type']> };

/** Grant types a client may register (RFC 7591 §2); anything else is dropped, or refused when insecure. */
const supportedGrantTypes: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials', jwtBearerGrantType];
/** OAuth 2.1 §10 / RFC 9700 §2.4, §2.1.2: removed for being unsafe; asking for them is an error, not a silent drop. */
const insecureGrantTypes = new Set(['implicit', 'password']);

/**
 * `private_key_jwt` (RFC 7523 §2.2) is a confidential client without a secret: it goes where confidential clients
 * are accepted, after the secret methods so that the default stays `client_secret_basic` (RFC 7591 §2).
 */
const authMethodsByProfile: Record<RegistrationConfig['profile'], readonly TokenEndpointAuthMethod[]> = {
  default: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'],
  confidential: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  'public-only': ['none'],
};

/** The token endpoint authentication methods a profile accepts, the first being its default. */
export function authMethodsFor(profile: RegistrationConfig['profile']): readonly TokenEndpointAuthMethod[] {
  return authMethodsByProfile[profile];
}

/**
 * Turns a registration request (a parsed JSON object) into the metadata to register: types and limits from
 * {@link metadataFields}, then the named rules below, then the server's defaults and substitutions.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 * @throws {OAuthError} `invalid_redirect_uri`, `invalid_client_metadata`
 */
export function validateClientMetadata(request: Record<string, unknown>, config: RegistrationConfig): ClientMetadata {
  const fields = readFields(request, config);
  requirePresentFields(fields, config);
  const redirectKinds = (fields.redirect_uris ?? []).map((uri, i) => validateRedirectUri(uri, config.maxUriLength, `redirect_uris[${i}]`));
  const authMethod = resolveAuthMethod(fields.token_endpoint_auth_method, config.profile);
  const grantTypes = resolveGrantTypes(fields.grant_types, authMethod);
  const responseTypes = resolveResponseTypes(fields.response_types, grantTypes);
  checkRedirectsFitClientType(redirectKinds, authMethod);
  checkKeySources(fields, authMethod);

  const metadata: ClientMetadata = {
    redirect_uris: [...new Set(fields.redirect_uris ?? [])],
    token_endpoint_auth_method: authMethod,
    grant_types: grantTypes,
    response_types: responseTypes,
    scope: resolveScope(fields.scope, config),
    application_type: resolveApplicationType(fields.application_type, redirectKinds),
  };
  for (const name of ['client_name', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'jwks_uri', 'software_id', 'software_version'] as const) {
    if (fields[name] !== undefined) metadata[name] = fields[name];
  }
  if (fields.contacts !== undefined) metadata.contacts = fields.contacts;
  if (fields.jwks !== undefined) metadata.jwks = fields.jwks as ClientMetadata['jwks'] & object;
  if (fields.require_pushed_authorization_requests !== undefined) metadata.require_pushed_authorization_requests = fields.require_pushed_authorization_requests;
  // OIDC Registration §2: the algorithm is for JWT client authentication; with any other method it means nothing.
  if (fields.token_endpoint_auth_signing_alg !== undefined && authMethod === 'private_key_jwt') {
    metadata.token_endpoint_auth_signing_alg = fields.token_endpoint_auth_signing_alg;
  }
  return metadata;
}

/** Checks each known field's JSON type, length and text rules; `null` counts as absent, unknown fields are dropped. */
function readFields(request: Record<string, unknown>, config: RegistrationConfig): Fields {
  const fields: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(metadataFields) as [MetadataField, FieldRule][]) {
    const value = request[name];
    if (value === undefined || value === null) continue;
    const refuse = (why: string): never => {
      throw new OAuthError(rule.error, `${name} ${why}`);
    };
    const maxLength = rule.maxLength(config);
    if (rule.type === 'string') {
      if (typeof value !== 'string') refuse('must be a string');
      checkString(value as string, rule, maxLength, refuse);
    } else if (rule.type === 'string[]') {
      if (!Array.isArray(value)) refuse('must be an array of strings');
      const list = value as unknown[];
      const maxItems = rule.maxItems?.(config) ?? 100;
      if (list.length > maxItems) refuse(`must not have more than ${maxItems} entries`);
      list.forEach((item, i) => {
        const refuseItem = (why: string): never => refuse(`[${i}] ${why}`);
        if (typeof item !== 'string') refuseItem('must be a string');
        checkString(item as string, rule, maxLength, refuseItem);
      });
    } else if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') refuse('must be true or false');
    } else {
      if (typeof value !== 'object' || Array.isArray(value)) refuse('must be a JSON object');
      if (JSON.stringify(value).length > maxLength) refuse(`must not be longer than ${maxLength} characters`);
      const problem = checkJsonText(value);
      if (problem) refuse(problem);
    }
    fields[name] = value;
  }
  return fields as Fields;
}

function checkString(value: string, rule: FieldRule, maxLength: number, refuse: (why: string) => never): void {
  if (value.length > maxLength) refuse(`must not be longer than ${maxLength} characters`);
  const problem = rule.check?.(value);
  if (problem) refuse(problem);
}

/**
 * RFC 7591 §2 requires `redirect_uris` for redirect-based flows, so a client that does not ask for
 * `authorization_code` (a resource server using `client_credentials` to introspect) may leave it out. Both
 * seeds also require `client_name`.
 */
function requirePresentFields(fields: Fields, config: RegistrationConfig): void {
  const redirectBased = fields.grant_types === undefined || fields.grant_types.includes('authorization_code');
  if (redirectBased && (fields.redirect_uris === undefined || fields.redirect_uris.length === 0)) {
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris is required and must not be empty');
  }
  if (config.profile !== 'default' && fields.client_name === undefined) {
    throw new OAuthError('invalid_client_metadata', 'client_name is required');
  }
}

/** RFC 7591 §2: when omitted, `client_secret_basic`; in the public-only profile, `none`. */
function resolveAuthMethod(requested: string | undefined, profile: RegistrationConfig['profile']): TokenEndpointAuthMethod {
  const allowed = authMethodsByProfile[profile];
  if (requested === undefined) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(requested)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `token_endpoint_auth_method ${requested.replace(/[^\x20-\x7e]|["\\]/g, '?')} is not supported; use one of ${allowed.join(', ')}`,
    );
  }
  return requested as TokenEndpointAuthMethod;
}

/**
 * RFC 7591 §2: defaults to `authorization_code` and `refresh_token`. The server may substitute values, so grant
 * types it does not offer (device code, token exchange, …) are dropped rather than refused; insecure ones are
 * refused so that a client relying on them learns at once.
 */
function resolveGrantTypes(requested: string[] | undefined, authMethod: TokenEndpointAuthMethod): GrantType[] {
  if (requested === undefined) return ['authorization_code', 'refresh_token'];
  const insecure = requested.find((g) => insecureGrantTypes.has(g));
  if (insecure) throw new OAuthError('invalid_client_metadata', `grant_types must not include the insecure ${insecure} grant`);
  const kept = supportedGrantTypes.filter((g) => requested.includes(g));
  if (kept.includes('client_credentials') && authMethod === 'none') {
    throw new OAuthError('invalid_client_metadata', 'client_credentials needs a confidential client (token_endpoint_auth_method other than none)');
  }
  // draft-ietf-oauth-identity-assertion-authz-grant §8.1: for confidential clients only; the client authenticates
  // as the one the IdP named in the assertion.
  if (kept.includes(jwtBearerGrantType) && authMethod === 'none') {
    throw new OAuthError('invalid_client_metadata', `${jwtBearerGrantType} needs a confidential client (token_endpoint_auth_method other than none)`);
  }
  if (!kept.includes('authorization_code') && !kept.includes('client_credentials') && !kept.includes(jwtBearerGrantType)) {
    throw new OAuthError('invalid_client_metadata', `grant_types must include one of authorization_code, client_credentials, ${jwtBearerGrantType}`);
  }
  return kept;
}

/**
 * Only `code` is offered. RFC 7591 §2.1: `authorization_code` goes with `code` and `code` with
 * `authorization_code`; when `response_types` is omitted it defaults to what the grant types need.
 */
function resolveResponseTypes(requested: string[] | undefined, grantTypes: GrantType[]): ['code'] | [] {
  const wantsCode = grantTypes.includes('authorization_code');
  if (requested === undefined) return wantsCode ? ['code'] : [];
  const unsupported = requested.find((r) => r !== 'code');
  if (unsupported !== undefined) {
    throw new OAuthError('invalid_client_metadata', 'response_types supports only code');
  }
  const hasCode = requested.length > 0;
  if (hasCode !== wantsCode) {
    throw new OAuthError(
      'invalid_client_metadata',
      wantsCode
        ? 'grant_types includes authorization_code, so response_types must include code'
        : 'response_types includes code, so grant_types must include authorization_code',
    );
  }
  return hasCode ? ['code'] : [];
}

/** RFC 8252 §8.4: private-use schemes identify native (public) apps; a secret in such an app is no secret. */
function checkRedirectsFitClientType(kinds: RedirectKind[], authMethod: TokenEndpointAuthMethod): void {
  const index = kinds.indexOf('private-use');
  if (index !== -1 && authMethod !== 'none') {
    throw new OAuthError(
      'invalid_redirect_uri',
      `redirect_uris[${index}] uses a private-use scheme, which only public clients (token_endpoint_auth_method none) may register`,
    );
  }
}

/**
 * JWK members that only private or symmetric keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1). A client registers its
 * public keys; a private key sent here is a leaked secret that must not be stored.
 */
const privateKeyMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * RFC 7591 §2: `jwks_uri` and `jwks` MUST NOT both be present; a `jwks` value is a JWK Set of public keys (RFC 7517
 * §5). A `private_key_jwt` client needs one of them: its assertions are verified with those keys (RFC 7523 §3).
 */
function checkKeySources(fields: Fields, authMethod: TokenEndpointAuthMethod): void {
  if (fields.jwks !== undefined && fields.jwks_uri !== undefined) {
    throw new OAuthError('invalid_client_metadata', 'jwks and jwks_uri must not both be present');
  }
  const keys = fields.jwks?.['keys'];
  if (fields.jwks !== undefined && (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null || typeof (k as Record<string, unknown>)['kty'] !== 'string'))) {
    throw new OAuthError('invalid_client_metadata', 'jwks must be a JWK Set: an object with a keys array of JWKs');
  }
  if (authMethod === 'private_key_jwt' && fields.jwks === undefined && fields.jwks_uri === undefined) {
    throw new OAuthError('invalid_client_metadata', 'token_endpoint_auth_method private_key_jwt needs the public keys of the client: jwks or jwks_uri');
  }
  if (authMethod === 'private_key_jwt' && (keys as unknown[] | undefined)?.length === 0) {
    throw new OAuthError('invalid_client_metadata', 'jwks must hold at least one public key for private_key_jwt');
  }
  (keys as Record<string, unknown>[] | undefined)?.forEach((key, index) => {
    if (key['kty'] === 'oct') {
      throw new OAuthError('invalid_client_metadata', `jwks.keys[${index}] is a symmetric key (kty oct); a client registers public keys only`);
    }
    const member = privateKeyMembers.find((m) => m in key);
    if (member !== undefined) {
      throw new OAuthError('invalid_client_metadata', `jwks.keys[${index}] is a private key (it has a ${member} member); register the public key only`);
    }
  });
}

/** The members each key type needs (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2), to say what a refused key lacks. */
const requiredMembers: Record<string, string> = {
  RSA: 'n and e (RFC 7518 section 6.3.1)',
  EC: 'crv, x and y (RFC 7518 section 6.2.1)',
  OKP: 'crv and x (RFC 8037 section 2)',
};

/** Its base64url-encoded members, which jose's decoder would read leniently (skipping what is not base64url). */
const encodedMembers: Record<string, string[]> = { RSA: ['n', 'e'], EC: ['x', 'y'], OKP: ['x'] };

/** RFC 7518 §3.3, §4.2: RSA keys of at least 2048 bits. */
const minRsaModulusBits = 2048;

/**
 * Checks each key of a registered `jwks` by importing it with jose, as the token endpoint will when it verifies
 * the client's assertions: a key that cannot be imported (an RSA key without `n` or `e`, an EC key without `y`,
 * a malformed member, an unknown `kty`, `crv` or `alg`) is refused now rather than failing every authentication
 * later, with the key's index and what is wrong in the description. Keys without `alg` are imported with the
 * usual algorithm of their type and curve, for the check only; nothing about them is changed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-6
 * @throws {OAuthError} `invalid_client_metadata`
 */
export async function validateJwks(jwks: ClientMetadata['jwks']): Promise<void> {
  const keys = (jwks?.['keys'] ?? []) as Record<string, unknown>[];
  for (const [index, key] of keys.entries()) {
    const kty = String(key['kty']);
    const refuse = (why: string): never => {
      throw new OAuthError('invalid_client_metadata', `jwks.keys[${index}] ${why}`);
    };
    const alg = typeof key['alg'] === 'string' ? key['alg'] : importAlgorithm(key);
    if (alg === undefined || requiredMembers[kty] === undefined) return refuse('has an unsupported kty, crv or alg');
    const invalid = `is not a valid ${kty} public key: ${requiredMembers[kty]} must be present and well-formed for its alg`;
    if (encodedMembers[kty]!.some((m) => typeof key[m] !== 'string' || !/^[A-Za-z0-9_-]+$/.test(key[m]))) refuse(invalid);
    let imported: Awaited<ReturnType<typeof importJWK>>;
    try {
      imported = await importJWK(key as JWK, alg);
    } catch (error) {
      if (error instanceof joseErrors.JOSENotSupported) return refuse('has an unsupported kty, crv or alg');
      return refuse(invalid);
    }
    const modulusLength = (imported as { algorithm?: { modulusLength?: number } }).algorithm?.modulusLength;
    if (kty === 'RSA' && (modulusLength ?? 0) < minRsaModulusBits) refuse(`is an RSA key of ${modulusLength ?? 0} bits; at least ${minRsaModulusBits} bits are required`);
  }
}

/** The algorithm a JWK without `alg` is imported with for the check: the usual one for its type, curve and use. */
function importAlgorithm(key: Record<string, unknown>): string | undefined {
  const encryption = key['use'] === 'enc';
  switch (key['kty']) {
    case 'RSA':
      return encryption ? 'RSA-OAEP' : 'RS256';
    case 'EC':
      if (encryption) return 'ECDH-ES';
      return ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as Record<string, string>)[String(key['crv'])];
    case 'OKP':
      return ({ Ed25519: 'EdDSA', Ed448: 'EdDSA', X25519: 'ECDH-ES', X448: 'ECDH-ES' } as Record<string, string>)[String(key['crv'])];
    default:
      return undefined;
  }
}

/** Scope tokens deduplicated and single-spaced; the profile's default when none is asked for. */
function resolveScope(requested: string | undefined, config: RegistrationConfig): string {
  const tokens = requested?.split(' ').filter(Boolean) ?? [];
  if (tokens.length === 0) return config.defaultScope ?? fallbackDefaultScope;
  return [...new Set(tokens)].join(' ');
}

/**
 * OIDC Registration §2: `native` or `web`, default `web`. Loopback and private-use redirects are only
 * reachable by an app on the user's device, so they make the client `native` whatever it said.
 */
function resolveApplicationType(requested: string | undefined, kinds: RedirectKind[]): 'native' | 'web' {
  if (requested !== undefined && requested !== 'native' && requested !== 'web') {
    throw new OAuthError('invalid_client_metadata', 'application_type must be native or web');
  }
  if (kinds.some((k) => k !== 'https')) return 'native';
  return (requested as 'native' | 'web' | undefined) ?? 'web';
}
