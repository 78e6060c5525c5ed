import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord } from '../../ports/clients.js';
import type { GrantRecord } from '../../ports/grants.js';
import type { VerifiedDpopProof } from './dpop-proof.js';

/**
 * The key a new grant's refresh tokens are bound to: the proof's, for a public client. RFC 9449 §5: refresh
 * tokens issued to public clients with DPoP are bound to the key; a confidential client's are not (they are
 * already bound to its authentication), so it may change keys between refreshes.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export function refreshTokenBinding(client: ClientRecord, proof: VerifiedDpopProof | undefined): string | null {
  return proof !== undefined && client.metadata.token_endpoint_auth_method === 'none' ? proof.jkt : null;
}

/**
 * Refuses the refresh of a key-bound grant without a proof by the same key (`invalid_grant`, as node-oidc-provider
 * answers; the proof itself may be perfectly valid, for another key). Called before rotation: a thief without the
 * key must not retire the client's token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export function checkRefreshTokenBinding(grant: Pick<GrantRecord, 'dpopJkt'>, proof: VerifiedDpopProof | undefined): void {
  if (grant.dpopJkt == null) return;
  if (proof === undefined) throw new OAuthError('invalid_grant', 'the refresh token is bound to a DPoP key: send a DPoP proof');
  if (proof.jkt !== grant.dpopJkt) throw new OAuthError('invalid_grant', 'the refresh token is bound to another DPoP key');
}
