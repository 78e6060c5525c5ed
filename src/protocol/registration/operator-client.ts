import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import type { AuditTrail } from '../../ports/audit-trail.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import { scopeTokens } from '../scope.js';
import { digestSecret } from '../secrets.js';
import { auditRegistration, secretBytes } from './registration.js';
import { validateClientMetadata } from './validate-metadata.js';

/** What an operator asks for (the CLI's flags, the dashboard's form), with RFC 7591 names. */
export interface OperatorClientRequest {
  client_name: string;
  /** None for a machine-only client (`client_credentials`): RFC 7591 §2 asks for them only for redirect-based flows. */
  redirect_uris?: string[];
  /** RFC 7591 §2 default: `authorization_code` and `refresh_token`. */
  grant_types?: string[];
  /** The registration default (`registration.defaultScope`) when omitted. */
  scope?: string;
  /** `client_secret_basic` (the default) or `client_secret_post`: an operator's client always has a secret. */
  token_endpoint_auth_method?: string;
}

/** What creating a client needs; `actor` is who does it, for the audit trail (`cli`, `admin:<username>`). */
export interface OperatorClientContext {
  config: Config;
  clients: Pick<ClientStore, 'insertClient'>;
  clock: Clock;
  random: RandomSource;
  audit: AuditTrail;
  actor: string;
  ip?: string | null;
}

/** The client as stored, and its secret: returned this once, only its digest is kept. */
export interface OperatorClient {
  record: ClientRecord;
  clientSecret: string;
}

/**
 * An operator creates a client (`latchkey clients create`, the dashboard): the one way, besides a policy that
 * allows it, to a client that may use `client_credentials` (tokens without a user) and introspect tokens as a
 * resource server (PRODUCT.md §8). The metadata goes through the registration's own validation
 * ({@link validateClientMetadata}), as for a confidential client whatever the registration profile, since an
 * operator's client always has a secret (and `client_credentials` needs one: RFC 6749 §4.4). Open registration's
 * limits do not apply (no registration policy, no look-alike flag: the operator named it), but every scope
 * must be one the server supports, so that a typo is caught now rather than silently never granted.
 *
 * The client gets no registration access token: RFC 7592 management is for clients that registered
 * themselves; an operator manages this one from the CLI and the dashboard. Recorded as `client.registered`
 * with source `operator` and the actor.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @throws {OAuthError} `invalid_client_metadata`, `invalid_redirect_uri`
 */
export async function createClientAsOperator(request: OperatorClientRequest, context: OperatorClientContext): Promise<OperatorClient> {
  const { config, clock, random } = context;
  const metadata = validateClientMetadata({ ...request }, { ...config.registration, profile: 'confidential' });
  if (request.scope !== undefined) {
    const unknown = scopeTokens(request.scope).filter((scope) => !config.scopes.supported.includes(scope));
    if (unknown.length > 0) {
      throw new OAuthError('invalid_client_metadata', `scope ${unknown.join(' ')} is not supported here (supported: ${config.scopes.supported.join(' ')})`);
    }
  }
  const clientSecret = random.token(secretBytes);
  const now = clock.now();
  const record: ClientRecord = {
    clientId: random.token(16),
    clientSecretDigest: digestSecret(clientSecret),
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: Math.floor(now / 1000),
    metadata,
    registrationSource: 'operator',
    updatedAt: now,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
  await context.clients.insertClient(record);
  auditRegistration(record, context.ip ?? null, null, context.audit, context.actor);
  return { record, clientSecret };
}
