import { hkdfSync } from 'node:crypto';
import { Signer } from '@fastify/cookie';

/**
 * What a signed value is for. Each purpose signs with its own key, derived from the one cookie secret, so a value
 * signed for one purpose never validates as another: a session cookie posted as a pending authorization request,
 * or an admin notice presented as a session, is refused as a forgery would be.
 */
export type SigningPurpose = 'session' | 'pending-authorization' | 'admin-notice' | 'upstream-sign-in' | 'pushed-request';

/** Signs values for one purpose and checks them (HMAC-SHA256, the `value.signature` form of @fastify/cookie). */
export interface PurposeSigner {
  sign(value: string): string;
  /** The value, when `signed` carries this purpose's signature; otherwise undefined. */
  verify(signed: string): string | undefined;
}

/**
 * The signer of `purpose`, with a key derived from `secret` by HKDF-SHA256 whose info names the purpose, so the
 * purposes' keys are independent of one another while one stored secret keeps serving every instance.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5869 (HKDF)
 */
export function purposeSigner(secret: string, purpose: SigningPurpose): PurposeSigner {
  const key = Buffer.from(hkdfSync('sha256', secret, '', `latchkey signed value: ${purpose}`, 32));
  const signer = new Signer(key, 'sha256');
  return {
    sign: (value) => signer.sign(value),
    verify(signed) {
      const unsigned = signer.unsign(signed);
      return unsigned.valid && unsigned.value !== null ? unsigned.value : undefined;
    },
  };
}
