import type { Kysely } from 'kysely';
import type { ConsentStore, RevokedAccessTokenStore } from '../ports.js';
import type { Database, Guard } from './schema.js';

/** The {@link ConsentStore} over Kysely. */
export function createConsentRepository(db: Kysely<Database>, guard: Guard): ConsentStore {
  return {
    findConsent: (userId, clientId) =>
      guard(async () => {
        const row = await db.selectFrom('consents').select('scope').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
        return row?.scope;
      }),
    saveConsent: (userId, clientId, scope, now) =>
      guard(async () => {
        await db
          .insertInto('consents')
          .values({ user_id: userId, client_id: clientId, scope, created_ms: now, updated_ms: now })
          .onConflict((c) => c.columns(['user_id', 'client_id']).doUpdateSet({ scope, updated_ms: now }))
          .execute();
      }),
    deleteConsent: (userId, clientId) =>
      guard(async () => {
        const result = await db.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
        return result.numDeletedRows === 1n;
      }),
  };
}

/** The {@link RevokedAccessTokenStore} over Kysely. */
export function createRevokedAccessTokenRepository(db: Kysely<Database>, guard: Guard): RevokedAccessTokenStore {
  return {
    revokeAccessToken: (jti, expiresAt) =>
      guard(async () => {
        await db.insertInto('revoked_access_tokens').values({ jti, expires_ms: expiresAt }).onConflict((c) => c.column('jti').doNothing()).execute();
      }),
    isAccessTokenRevoked: (jti) =>
      guard(async () => (await db.selectFrom('revoked_access_tokens').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined),
  };
}
