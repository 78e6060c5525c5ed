import type { KeyManager, SigningKeyInfo } from '../keys/key-manager.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import { auditedBy, type Actor } from './actor.js';

/** A rotation's outcome, without key material: the new current key, and the keys it retired (each verifying until its `expiresAt`). */
export interface KeyRotation {
  key: { kid: string; alg: string; createdAt: number };
  retired: SigningKeyInfo[];
}

/**
 * An operator rotates the signing key (`latchkey keys rotate`, the dashboard): a new current key, the previous
 * one verifying for `keys.rotationGraceSeconds`. Every instance picks it up within `keys.refreshSeconds`.
 * Recorded as `key.rotated` by the actor.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export async function rotateSigningKey(context: { keys: Pick<KeyManager, 'rotate' | 'listKeys'>; audit: AuditTrail }, actor: Actor): Promise<KeyRotation> {
  const { kid, alg, createdAt } = await context.keys.rotate();
  context.audit.record({ type: 'key.rotated', ...auditedBy(actor), data: { kid, alg } });
  const retired = (await context.keys.listKeys()).filter((info) => info.status === 'retired' && info.retiredAt === createdAt);
  return { key: { kid, alg, createdAt }, retired };
}

/** Every key that still verifies tokens, newest first, never key material: for `latchkey keys list` and the dashboard. */
export function listSigningKeys(context: { keys: Pick<KeyManager, 'listKeys'> }): Promise<SigningKeyInfo[]> {
  return context.keys.listKeys();
}
