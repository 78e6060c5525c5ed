import type { ExpressionBuilder, Kysely } from 'kysely';
import type { ClientCleanupStore, CleanupCriteria } from '../../ports/cleanup.js';
import type { RegistrationSource } from '../../ports/clients.js';
import type { Database, Guard } from './schema.js';

/**
 * Where the clients that cleanup may delete came from: every way a client registers itself. A client an
 * operator creates by other means (should such a source be added) is never swept, as nobody would re-register it.
 * A metadata-document client is only a cache of its document, fetched again at its next `/authorize`.
 */
const collectableSources: readonly RegistrationSource[] = ['dynamic', 'iat', 'software_statement', 'cimd'];

/** The primary key of each table of expiring records. */
const expiringKeys = { refresh_tokens: 'token_digest', authorization_codes: 'code_digest', revoked_access_tokens: 'jti' } as const;

type Builder = ExpressionBuilder<Database & { c: Database['clients'] }, 'c'>;
type Condition = (eb: Builder, criteria: CleanupCriteria) => ReturnType<Builder['and']>;

/**
 * The {@link ClientCleanupStore} over Kysely. A batch is two `DELETE … WHERE client_id IN (SELECT … LIMIT n)`
 * statements in one transaction, one per reason, so each deleted client's reason is exact. The eligibility
 * conditions are evaluated by the statement that deletes, so nothing is deleted on the strength of a read made
 * earlier. Grants, codes, refresh tokens and consents go with the client (foreign-key cascades).
 */
export function createCleanupRepository(db: Kysely<Database>, guard: Guard): ClientCleanupStore {
  const deleteWhere = async (trx: Kysely<Database>, condition: Condition, criteria: CleanupCriteria, limit: number) => {
    if (limit <= 0) return [];
    const rows = await trx
      .deleteFrom('clients')
      .where('client_id', 'in', (eb) =>
        eb
          .selectFrom('clients as c')
          .select('c.client_id')
          .where((w) => w.and([condition(w, criteria), holdsNothingLive(w, criteria)]))
          .orderBy('c.created_ms')
          .limit(limit),
      )
      .returning('client_id')
      .execute();
    return rows.map((row) => row.client_id);
  };
  return {
    deleteExpired: (kind, before, limit) =>
      guard(async () => {
        const key = expiringKeys[kind];
        const expired = db.selectFrom(kind).select(key).where('expires_ms', '<', before).orderBy('expires_ms').limit(limit);
        const result = await db
          .deleteFrom(kind)
          // Kysely cannot narrow the key column across the three tables; each has a text primary key.
          .where(key as never, 'in', expired as never)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
    deleteUnusedClients: (criteria, limit) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          const unused = await deleteWhere(trx, neverAuthorized, criteria, limit);
          const idle = await deleteWhere(trx, idleTooLong, criteria, limit - unused.length);
          return [
            ...unused.map((clientId) => ({ clientId, reason: 'unused' as const })),
            ...idle.map((clientId) => ({ clientId, reason: 'idle' as const })),
          ];
        }),
      ),
  };
}

/**
 * Registered long enough ago and never completed an authorization: never used, and no grant ever issued (a
 * grant with no recorded use means the use was not recorded, not that there was none).
 */
function neverAuthorized(eb: Builder, { unusedRegisteredBefore }: CleanupCriteria) {
  return eb.and([
    eb('c.registration_source', 'in', collectableSources),
    eb('c.last_used_ms', 'is', null),
    eb('c.created_ms', '<', unusedRegisteredBefore),
    eb.not(eb.exists(eb.selectFrom('grants as g').select('g.id').whereRef('g.client_id', '=', 'c.client_id'))),
  ]);
}

/**
 * Not used since `idleSince`. A client with no recorded use but with grants (its use went unrecorded) counts
 * as last used when its newest grant was created.
 */
function idleTooLong(eb: Builder, { idleSince }: CleanupCriteria) {
  return eb.and([
    eb('c.registration_source', 'in', collectableSources),
    // Implied by the next conditions; stated so that the index on created_ms bounds the scan.
    eb('c.created_ms', '<', idleSince),
    eb.or([eb('c.last_used_ms', 'is', null), eb('c.last_used_ms', '<', idleSince)]),
    eb.not(
      eb.exists(
        eb.selectFrom('grants as g').select('g.id').whereRef('g.client_id', '=', 'c.client_id').where('g.created_ms', '>=', idleSince),
      ),
    ),
  ]);
}

/**
 * Nothing the client holds still works: no access token that may be live (access tokens are not stored, so a
 * grant created or a use recorded after `accessTokensIssuedAfter` may have one; client credentials leave no
 * grant, only the recorded use), no usable refresh token, no code waiting to be redeemed.
 */
function holdsNothingLive(eb: Builder, { now, accessTokensIssuedAfter }: CleanupCriteria) {
  return eb.and([
    eb.or([eb('c.last_used_ms', 'is', null), eb('c.last_used_ms', '<=', accessTokensIssuedAfter)]),
    eb.not(
      eb.exists(
        eb
          .selectFrom('grants as g')
          .select('g.id')
          .whereRef('g.client_id', '=', 'c.client_id')
          .where('g.revoked_ms', 'is', null)
          .where((g) =>
            g.or([
              g('g.created_ms', '>', accessTokensIssuedAfter),
              g.exists(
                g
                  .selectFrom('refresh_tokens as r')
                  .select('r.token_digest')
                  .whereRef('r.grant_id', '=', 'g.id')
                  .where('r.used_ms', 'is', null)
                  .where('r.expires_ms', '>', now),
              ),
            ]),
          ),
      ),
    ),
    // A code issued and not yet redeemed: the client is completing an authorization right now.
    eb.not(
      eb.exists(
        eb
          .selectFrom('authorization_codes as a')
          .select('a.code_digest')
          .whereRef('a.client_id', '=', 'c.client_id')
          .where('a.used_ms', 'is', null)
          .where('a.expires_ms', '>', now),
      ),
    ),
  ]);
}
