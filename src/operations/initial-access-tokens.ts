import type { Config } from '../config/defaults.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import { secretBytes } from '../protocol/registration/registration.js';
import { digestSecret } from '../protocol/secrets.js';
import type { InitialAccessTokenRecord, InitialAccessTokenStore } from '../ports/initial-access-tokens.js';
import { auditedBy, type Actor } from './actor.js';
import { OperationError } from './operation-error.js';

/** What an operator asks for when creating an initial access token. */
export interface InitialAccessTokenRequest {
  /** How many registrations it allows; null for no limit. */
  maxUses: number | null;
  /** Seconds from now until it expires; null for never. */
  expiresInSeconds: number | null;
  /** A policy of `registration.policies` applied to clients registered with it. */
  policy: string | null;
  description: string | null;
}

/**
 * Creates an initial access token (`latchkey iat create`, the dashboard): a 256-bit random secret, stored as
 * its digest only. The secret is returned once, to be handed to whoever may register. Recorded as
 * `iat.created` by the actor.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @throws {OperationError} `invalid_input`: a policy `registration.policies` does not define, a count below 1
 */
export async function issueInitialAccessToken(
  request: InitialAccessTokenRequest,
  context: {
    initialAccessTokens: Pick<InitialAccessTokenStore, 'createInitialAccessToken'>;
    config: Config;
    clock: Clock;
    random: RandomSource;
    audit: AuditTrail;
  },
  actor: Actor,
): Promise<{ token: string; record: InitialAccessTokenRecord }> {
  const { policies } = context.config.registration;
  if (request.policy !== null && !Object.hasOwn(policies, request.policy)) {
    const known = Object.keys(policies);
    throw new OperationError(
      'invalid_input',
      `There is no registration policy "${request.policy}"${known.length ? ` (known: ${known.join(', ')})` : ' (registration.policies defines none)'}`,
    );
  }
  if (request.maxUses !== null && (!Number.isInteger(request.maxUses) || request.maxUses < 1)) {
    throw new OperationError('invalid_input', 'The number of uses must be a positive integer');
  }
  const now = context.clock.now();
  const token = context.random.token(secretBytes);
  const record: InitialAccessTokenRecord = {
    id: context.random.uuid(),
    tokenDigest: digestSecret(token),
    description: request.description,
    policy: request.policy,
    maxUses: request.maxUses,
    uses: 0,
    createdAt: now,
    expiresAt: request.expiresInSeconds === null ? null : now + request.expiresInSeconds * 1000,
    revokedAt: null,
  };
  await context.initialAccessTokens.createInitialAccessToken(record);
  context.audit.record({
    type: 'iat.created',
    ...auditedBy(actor),
    data: { iat_id: record.id, policy: record.policy, max_uses: record.maxUses, expires_at: record.expiresAt },
  });
  return { token, record };
}

/**
 * Revokes an initial access token (`latchkey iat revoke`, the dashboard): it registers no more clients; those
 * it registered stay. Recorded as `iat.revoked` by the actor.
 *
 * @throws {OperationError} `not_found` when there is no such token, or it was revoked already
 */
export async function revokeInitialAccessToken(
  id: string,
  context: { initialAccessTokens: Pick<InitialAccessTokenStore, 'revokeInitialAccessToken'>; clock: Clock; audit: AuditTrail },
  actor: Actor,
): Promise<void> {
  if (!(await context.initialAccessTokens.revokeInitialAccessToken(id, context.clock.now()))) {
    throw new OperationError('not_found', `There is no live initial access token with id ${JSON.stringify(id)}.`);
  }
  context.audit.record({ type: 'iat.revoked', ...auditedBy(actor), data: { iat_id: id } });
}

/** Every initial access token, never its secret (only the digest is stored): for `latchkey iat list` and the dashboard. */
export function listInitialAccessTokens(context: { initialAccessTokens: Pick<InitialAccessTokenStore, 'listInitialAccessTokens'> }): Promise<InitialAccessTokenRecord[]> {
  return context.initialAccessTokens.listInitialAccessTokens();
}
