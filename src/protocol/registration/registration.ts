import type { JWTVerifyGetKey } from 'jose';
import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { InitialAccessTokenUnusableError, type InitialAccessTokenStore } from '../../ports/initial-access-tokens.js';
import type { ClientRecord, ClientStore, RegistrationSource } from '../../ports/clients.js';
import type { AuditTrail } from '../../ports/audit-trail.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import { digestSecret } from '../secrets.js';
import { clientInformation } from './client-information.js';
import { usesClientSecret } from '../../ports/client-metadata.js';
import { authenticateInitialAccessToken } from './initial-access-token.js';
import { redirectHosts } from '../../ports/redirect-host.js';
import { applyRegistrationRules, checkClientCap, type RuledMetadata } from './registration-rules.js';
import { applySoftwareStatement, verifySoftwareStatement } from './software-statement.js';
import { validateClientMetadata } from './validate-metadata.js';

/** What registration needs: configuration, where clients and initial access tokens are kept, keys, a clock, randomness, the audit trail. */
export interface RegistrationContext {
  config: Config;
  clients: Pick<ClientStore, 'insertClient' | 'countClientsWithPolicy'>;
  initialAccessTokens: Pick<InitialAccessTokenStore, 'findInitialAccessToken'>;
  /** The keys of a trusted software statement issuer, or undefined for an untrusted one. */
  statementKeys: (issuer: string) => JWTVerifyGetKey | undefined;
  clock: Clock;
  random: RandomSource;
  audit: AuditTrail;
}

/** A registration request: the parsed JSON body, the bearer token if any (RFC 7591 §3), and the caller's address. */
export interface RegistrationRequest {
  body: Record<string, unknown>;
  initialAccessToken: string | undefined;
  ip: string | null;
}

/** The result of a registration: the client information response to send with `201`. */
export interface RegistrationResult {
  clientId: string;
  response: Record<string, unknown>;
}

/** 256 bits: client secrets and registration access tokens cannot be guessed, so a plain digest stores them safely. */
export const secretBytes = 32;

/**
 * Registers a client, as a list of named steps: authenticate the initial access token (required in protected
 * mode), verify the software statement (its claims win over the request's), validate the metadata, apply the
 * registration policy and its client cap, flag look-alike names, mint the identifier and secrets, and store
 * the client (durably, before answering, spending the initial access token in the same commit) with its
 * secrets as digests only.
 *
 * @param endpointUrl the absolute URL the request was sent to; `registration_client_uri` lives below it
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function registerClient(
  request: RegistrationRequest,
  context: RegistrationContext,
  endpointUrl: string,
): Promise<RegistrationResult> {
  const { config, clients, clock, random } = context;
  const iat = await authenticateInitialAccessToken(request.initialAccessToken, {
    store: context.initialAccessTokens,
    config,
    clock,
  });
  const checked = await checkMetadata(request.body, context, iat?.record.policy ?? null, iat !== undefined);
  await checkClientCap(checked, clients);

  const { metadata } = checked;
  const now = clock.now();
  // Time-ordered: a new client's row goes at the end of the id index, not into a random page of it (a client_id
  // is an identifier, not a secret: RFC 6749 §2.2). Its time is the client_id_issued_at the response shows.
  const clientId = random.timeOrderedUuid(now);
  const clientSecret = usesClientSecret(metadata.token_endpoint_auth_method) ? random.token(secretBytes) : undefined;
  const registrationAccessToken = random.token(secretBytes);
  const source: RegistrationSource = iat ? 'iat' : checked.statementIssuer ? 'software_statement' : 'dynamic';
  const record: ClientRecord = {
    clientId,
    clientSecretDigest: clientSecret === undefined ? null : digestSecret(clientSecret),
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: digestSecret(registrationAccessToken),
    clientIdIssuedAt: Math.floor(now / 1000),
    metadata,
    registrationSource: source,
    updatedAt: now,
    policy: checked.policyName,
    lookAlikeOf: checked.lookAlikeOf,
    initialAccessTokenId: iat?.record.id ?? null,
    lastUsedAt: null,
  };
  try {
    await clients.insertClient(record, iat && { tokenDigest: iat.tokenDigest, now });
  } catch (error) {
    if (!(error instanceof InitialAccessTokenUnusableError)) throw error;
    // Another registration spent its last use, or it was revoked, after we looked it up.
    throw new OAuthError('invalid_token', 'the initial access token is invalid, expired, revoked or used up', { cause: error });
  }
  auditRegistration(record, request.ip, checked.statementIssuer, context.audit);
  return {
    clientId,
    response: clientInformation(record, {
      clientSecret,
      registrationAccessToken,
      registrationClientUri: clientConfigurationUri(endpointUrl, clientId),
    }),
  };
}

/** Metadata that passed every check, with the policy it was checked against and what was noticed on the way. */
export interface CheckedMetadata extends RuledMetadata {
  statementIssuer: string | null;
}

/**
 * The checks a registration and an update (RFC 7592 §2.2) share: the software statement, the metadata, and the
 * rules every client obeys ({@link applyRegistrationRules}: keys, the policy — the initial access token's or,
 * failing that, the statement issuer's or the server's default — and the look-alike name check).
 */
export async function checkMetadata(
  body: Record<string, unknown>,
  context: Pick<RegistrationContext, 'config' | 'statementKeys' | 'clock'>,
  assignedPolicy: string | null,
  /** Whether an operator assigned the policy: an initial access token, or the operator created the client. */
  assignedByOperator: boolean,
): Promise<CheckedMetadata> {
  const { config } = context;
  const { softwareStatement } = config.registration;
  let merged = body;
  let statementIssuer: { issuer: string; policy?: string } | undefined;
  const statement = body['software_statement'];
  if (statement !== undefined) {
    if (typeof statement !== 'string') throw new OAuthError('invalid_software_statement', 'software_statement must be a JWT string');
    const verified = await verifySoftwareStatement(statement, {
      keysFor: context.statementKeys,
      issuers: softwareStatement.issuers,
      clock: context.clock,
      audiences: statementAudiences(config),
    });
    statementIssuer = verified.issuer;
    merged = applySoftwareStatement(body, verified.claims);
  } else if (softwareStatement.required) {
    throw new OAuthError('invalid_software_statement', 'a software_statement from a trusted issuer is required to register');
  }

  const ruled = await applyRegistrationRules(validateClientMetadata(merged, config.registration), config, {
    policyName: assignedPolicy ?? statementIssuer?.policy ?? config.registration.policy,
    scopeRequested: typeof merged['scope'] === 'string',
    vouched: assignedByOperator || statementIssuer !== undefined,
  });
  // RFC 7591 §3.2.1: a statement used to register is returned, unmodified, with the other metadata.
  const metadata = typeof statement === 'string' ? { ...ruled.metadata, software_statement: statement } : ruled.metadata;
  return { ...ruled, metadata, statementIssuer: statementIssuer?.issuer ?? null };
}

/**
 * Records `client.registered` (and `client.flagged` for a look-alike name): how the client came, what it may
 * do, never a secret. `actor` is the operator who created it (`cli`, `admin:<name>`); none for a registration.
 */
export function auditRegistration(record: ClientRecord, ip: string | null, statementIssuer: string | null, audit: AuditTrail, actor: string | null = null): void {
  const { clientId, metadata } = record;
  audit.record({
    type: 'client.registered',
    clientId,
    actor,
    ip,
    data: {
      source: record.registrationSource,
      client_name: metadata.client_name ?? null,
      redirect_hosts: redirectHosts(metadata.redirect_uris),
      token_endpoint_auth_method: metadata.token_endpoint_auth_method,
      policy: record.policy,
      software_id: metadata.software_id ?? null,
      software_statement_issuer: statementIssuer,
      // The use of an initial access token is this event (one per registration, not a second one): the
      // registration path is the hot one, and each event is a log line and a row.
      iat_id: record.initialAccessTokenId,
    },
  });
  if (record.lookAlikeOf !== null) {
    audit.record({ type: 'client.flagged', clientId, ip, data: { look_alike_of: record.lookAlikeOf, client_name: metadata.client_name ?? null } });
  }
}

/** What a software statement's `aud` may name: this server's issuer, and its registration endpoint at each of its paths. */
function statementAudiences(config: Config): string[] {
  return [config.issuer, ...[config.registration.path, ...config.registration.aliases].map((path) => `${config.issuer}${path}`)];
}

/** RFC 7592 §1: the client configuration endpoint of one client, below the registration endpoint. */
export function clientConfigurationUri(endpointUrl: string, clientId: string): string {
  return `${endpointUrl}/${encodeURIComponent(clientId)}`;
}
