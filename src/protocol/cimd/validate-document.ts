import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientMetadata } from '../../ports/client-metadata.js';
import { applyRegistrationRules, type RuledMetadata } from '../registration/registration-rules.js';
import { validateClientMetadata } from '../registration/validate-metadata.js';

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client whose `client_id` is an
 * `https` URL publishes its metadata at that URL. This file holds the rules on the URL and on the document; the
 * lookup and caching live in `client-resolver.ts`, the network fetch in `src/outbound/fetch-document.ts`.
 */

/**
 * RFC 3986 characters outside percent-encodings. Anything else (spaces, `\`, `"`, non-ASCII) is refused rather
 * than normalised, because the document's `client_id` must equal the URL by simple string comparison, and a
 * URL the parser repairs is not the one that was sent.
 */
const uriCharacters = /^[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]*$/;

/** Path segments that are `.` or `..`, percent-encoded or not: WHATWG URL parsers resolve `%2e` as a dot too. */
const dotSegment = /^(?:\.|%2e){1,2}$/i;

/**
 * Whether a `client_id` names a metadata document rather than a registered client. The draft (§7.1) asks servers
 * that also mint their own identifiers to never start them with `https://`, and ours never do, so the prefix
 * alone decides; whether the URL is acceptable is {@link validateClientIdUrl}'s job.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-3
 */
export function isMetadataDocumentClientId(clientId: string): boolean {
  return clientId.startsWith('https://');
}

/**
 * Checks a Client Identifier URL: `https`, a path, no user information, no fragment, no dot segments. A query
 * is allowed (the draft only says SHOULD NOT). Checked before anything is fetched.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-3
 * @throws {OAuthError} `invalid_client`
 */
export function validateClientIdUrl(url: string, maxLength: number): void {
  const refuse = (why: string): never => {
    throw new OAuthError('invalid_client', `The client_id URL ${why}.`);
  };
  if (!url.startsWith('https://')) refuse('must use the https scheme');
  if (url.length > maxLength) refuse(`must not be longer than ${maxLength} characters`);
  if (url.includes('#')) refuse('must not contain a fragment');
  if (!uriCharacters.test(url) || /%(?![0-9A-Fa-f]{2})/.test(url)) refuse('contains characters that are not allowed in a URI');
  const rest = url.slice('https://'.length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  if (authority.includes('@')) refuse('must not contain user information');
  if (authority === '' || authority.startsWith(':')) refuse('has no host');
  if (authorityEnd === -1 || rest[authorityEnd] !== '/') refuse('must contain a path');
  const path = rest.slice(authorityEnd).split('?', 1)[0]!;
  if (path.split('/').some((segment) => dotSegment.test(segment))) refuse('must not contain . or .. path segments');
  if (!URL.canParse(url)) refuse('is not a well-formed URL');
}

/**
 * Why this server takes no metadata-document clients although it could fetch them, or undefined when it takes
 * them. A metadata-document client obeys the registration mode like any other (PRODUCT.md §11), and it has no way
 * to present what protected registration asks for: an initial access token is a bearer token sent to the
 * registration endpoint (RFC 7591 §3), which such a client never calls, and a software statement in its document
 * would be the publisher's word about itself. So with `registration.mode: protected`, or software statements
 * required, metadata documents are refused before anything is fetched, and not advertised
 * (`client_id_metadata_document_supported`). An operator can still register a client under such a URL.
 */
export function metadataDocumentRefusal(config: Config): string | undefined {
  if (!config.cimd.enabled) return 'Client ID Metadata Documents are not accepted by this server.';
  if (config.registration.mode === 'protected') {
    return 'This server registers clients only with an initial access token, which a Client ID Metadata Document cannot present.';
  }
  if (config.registration.softwareStatement.required) {
    return 'This server registers clients only with a software statement from a trusted issuer, which a Client ID Metadata Document cannot present.';
  }
  return undefined;
}

/**
 * Checks a fetched document as a registration: the draft's rules and the metadata ({@link validateMetadataDocument}),
 * then the rules every client obeys ({@link applyRegistrationRules}): the server's default registration policy
 * (`registration.policy`), whose name is stored with the client so that `/authorize` limits its scopes, and the
 * look-alike check, which also judges the `client_id` URL: a document named after an agent but published
 * elsewhere is flagged even when its redirects are loopback only.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-4
 * @throws {OAuthError} `invalid_client` when metadata documents are refused here; `invalid_client_metadata` or
 * `invalid_redirect_uri` for the document
 */
export async function checkMetadataDocument(url: string, document: unknown, config: Config): Promise<RuledMetadata> {
  const refusal = metadataDocumentRefusal(config);
  if (refusal !== undefined) throw new OAuthError('invalid_client', refusal);
  const metadata = validateMetadataDocument(url, document, config);
  return applyRegistrationRules(metadata, config, {
    policyName: config.registration.policy,
    scopeRequested: typeof (document as Record<string, unknown>)['scope'] === 'string',
    identityUris: [url],
  });
}

/**
 * Properties a metadata document must not have: there is no way to agree on a shared secret with a client that
 * registers itself by URL (draft §4.1).
 */
const forbiddenProperties = ['client_secret', 'client_secret_expires_at'] as const;

/** Token endpoint authentication methods built on a shared secret, which the draft forbids (§4.1). */
const sharedSecretMethods = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/**
 * Validates a fetched Client ID Metadata Document and turns it into the metadata of a client. The metadata fields
 * go through the registration validator ({@link validateClientMetadata}), so a document is held to the same rules
 * as a registration request; the rules below are the ones the draft adds. The registration policy and the
 * look-alike check come after, in {@link checkMetadataDocument}, which is what a lookup calls. The two methods the
 * draft allows are accepted: public clients (`token_endpoint_auth_method: "none"`, also when it is absent)
 * whatever the registration profile, and `private_key_jwt` with the document's `jwks` or `jwks_uri`, except in
 * the `public-only` profile, which takes public clients only.
 *
 * @param url the Client Identifier URL the document was fetched from
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-4
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-id-metadata-documents
 * @throws {OAuthError} `invalid_client` for the URL; `invalid_client_metadata` or `invalid_redirect_uri` for the document
 */
export function validateMetadataDocument(url: string, document: unknown, config: Config): ClientMetadata {
  validateClientIdUrl(url, config.registration.maxUriLength);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new OAuthError('invalid_client_metadata', 'The metadata document must be a JSON object.');
  }
  const fields = document as Record<string, unknown>;
  // Draft §4: simple string comparison (RFC 3986 §6.2.1), so `https://example.com:443/c` is not `https://example.com/c`.
  if (fields['client_id'] !== url) {
    throw new OAuthError('invalid_client_metadata', 'The client_id in the metadata document does not equal the URL it was fetched from.');
  }
  for (const name of forbiddenProperties) {
    if (fields[name] !== undefined) throw new OAuthError('invalid_client_metadata', `The metadata document must not contain ${name}.`);
  }
  const method = checkAuthMethod(fields['token_endpoint_auth_method'], config.registration.profile);
  // Nothing vouches for a document's client, so it never gets client_credentials: redirect URIs are always needed.
  if (!Array.isArray(fields['redirect_uris']) || fields['redirect_uris'].length === 0) {
    throw new OAuthError('invalid_redirect_uri', 'The metadata document must list redirect_uris.');
  }
  // A document is not a registration request: a software statement in it is not verified, so it is not read.
  const { software_statement: _statement, ...request } = fields;
  return validateClientMetadata(
    { ...request, token_endpoint_auth_method: method },
    // The `default` profile is the one that accepts both methods; the limits stay the configured ones.
    { ...config.registration, profile: 'default' },
  );
}

/**
 * RFC 7591 §2 defaults to `client_secret_basic`, which a document cannot use; absent therefore means `none` here.
 * The draft (§4.1) allows `private_key_jwt` besides `none`; shared-secret methods never.
 */
function checkAuthMethod(method: unknown, profile: Config['registration']['profile']): 'none' | 'private_key_jwt' {
  if (method === undefined || method === null || method === 'none') return 'none';
  if (typeof method !== 'string') throw new OAuthError('invalid_client_metadata', 'token_endpoint_auth_method must be a string.');
  if (sharedSecretMethods.has(method)) {
    throw new OAuthError('invalid_client_metadata', 'A metadata document must not use a shared-secret token_endpoint_auth_method; use none or private_key_jwt.');
  }
  if (method !== 'private_key_jwt') throw new OAuthError('invalid_client_metadata', 'token_endpoint_auth_method is not supported; use none or private_key_jwt.');
  if (profile === 'public-only') {
    throw new OAuthError('invalid_client_metadata', 'token_endpoint_auth_method private_key_jwt is not accepted by this server, which takes public clients only; use none.');
  }
  return method;
}
