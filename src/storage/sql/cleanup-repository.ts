import type { ExpressionBuilder, Kysely } from 'kysely';
import type { ClientCleanupStore, CleanupCriteria } from '../ports.js';
import type { Database, Guard } from './schema.js';

/**
 * The {@link ClientCleanupStore} over Kysely. One `DELETE … WHERE client_id IN (SELECT … LIMIT n)` per batch:
 * the eligibility conditions are evaluated by the statement that deletes, so nothing is deleted on the strength
 * of a read made earlier. Grants, codes, refresh tokens and consents go with the client (foreign-key cascades).
 */
export function createCleanupRepository(db: Kysely<Database>, guard: Guard): ClientCleanupStore {
  return {
    deleteUnusedClients: (criteria, limit) =>
      guard(async () => {
        const rows = await db
          .deleteFrom('clients')
          .where('client_id', 'in', (eb) =>
            eb
              .selectFrom('clients as c')
              .select('c.client_id')
              .where((w) => eligible(w, criteria))
              .orderBy('c.created_ms')
              .limit(limit),
          )
          .returning(['client_id', 'last_used_ms'])
          .execute();
        return rows.map((row) => ({ clientId: row.client_id, reason: row.last_used_ms === null ? ('unused' as const) : ('idle' as const) }));
      }),
  };
}

type Builder = ExpressionBuilder<Database & { c: Database['clients'] }, 'c'>;

/** Unused (never used, registered long ago) or idle (last used long ago), and holding nothing live. */
function eligible(eb: Builder, criteria: CleanupCriteria) {
  const { now, unusedRegisteredBefore, idleSince, accessTokensIssuedAfter } = criteria;
  return eb.and([
    eb.or([
      eb.and([eb('c.last_used_ms', 'is', null), eb('c.created_ms', '<', unusedRegisteredBefore)]),
      eb('c.last_used_ms', '<', idleSince),
    ]),
    // A grant that is not revoked and either was created recently enough to have a live access token, or has
    // a refresh token that can still be used.
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
