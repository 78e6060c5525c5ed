import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../errors/oauth-error.js';
import { singleDpopProof, verifyDpopProof, type DpopContext, type VerifiedDpopProof } from '../protocol/dpop/dpop-proof.js';
import type { DpopNonces } from '../protocol/dpop/dpop-nonces.js';

/** What the routes that take DPoP proofs need. */
export interface DpopRouteContext extends Omit<DpopContext, 'nonces'> {
  dpopNonces: DpopNonces;
}

/** The `DPoP` header values of a request: Node joins repeated ones with ", ", which {@link singleDpopProof} refuses. */
function dpopHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['dpop'];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The verified proof of a token request, or undefined when it sent none. With `tokens.dpopNonce`, the reply
 * carries the current `DPoP-Nonce` whatever the outcome, so that a `use_dpop_nonce` refusal hands the client the
 * nonce to retry with and a success the one to use next (RFC 9449 §8).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export async function tokenRequestProof(
  request: FastifyRequest,
  reply: FastifyReply,
  url: string,
  context: DpopRouteContext & { requireNonce: boolean },
): Promise<VerifiedDpopProof | undefined> {
  const proof = singleDpopProof(dpopHeader(request));
  if (proof === undefined) return undefined;
  if (context.requireNonce) reply.header('dpop-nonce', context.dpopNonces.current(context.clock.now()));
  return verifyDpopProof(proof, { method: request.method, url }, { ...context, nonces: context.requireNonce ? context.dpopNonces : undefined });
}

/**
 * The verified proof of a request to a protected resource of this server (`/userinfo`) that presents `accessToken`
 * with the `DPoP` scheme: `ath` must be the token's hash. No nonce is asked for here. A refused proof is a 401
 * with a `DPoP` challenge (RFC 9449 §7.1), not the 400 of the token endpoint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 */
export async function resourceRequestProof(request: FastifyRequest, url: string, accessToken: string, context: DpopContext): Promise<VerifiedDpopProof> {
  try {
    const proof = singleDpopProof(dpopHeader(request));
    if (proof === undefined) throw new OAuthError('invalid_dpop_proof', 'a DPoP proof is required with the DPoP scheme');
    return await verifyDpopProof(proof, { method: request.method, url, accessToken }, { ...context, nonces: undefined });
  } catch (error) {
    if (error instanceof OAuthError && error.code === 'invalid_dpop_proof') {
      throw new OAuthError('invalid_resource_dpop_proof', error.description, { cause: error, scheme: 'DPoP' });
    }
    throw error;
  }
}
