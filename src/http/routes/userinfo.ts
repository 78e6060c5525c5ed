import type { FastifyInstance } from 'fastify';
import type { IntrospectionContext } from '../../protocol/introspection.js';
import type { DpopContext } from '../../protocol/dpop/dpop-proof.js';
import { userInfo } from '../../protocol/userinfo.js';
import type { UserStore } from '../../ports/users.js';
import { accessTokenCredentials } from '../bearer.js';
import { resourceRequestProof } from '../dpop.js';

/**
 * `GET /userinfo` (OpenID Connect Core §5.3), with the access token as a bearer token, or as a DPoP-bound token
 * (`Authorization: DPoP <token>` and a `DPoP` proof for this request, RFC 9449 §7).
 */
export function userinfoRoute(
  app: FastifyInstance,
  context: IntrospectionContext & Omit<DpopContext, 'nonces'> & { users: Pick<UserStore, 'findUserById'> },
  base: string,
): void {
  const path = `${base}/userinfo`;
  const url = new URL(path, context.issuer).href;
  app.get(path, async (request, reply) => {
    const credentials = accessTokenCredentials(request.headers.authorization);
    const proof = credentials?.scheme === 'DPoP' ? await resourceRequestProof(request, url, credentials.token, context) : undefined;
    const presented = credentials && { token: credentials.token, scheme: credentials.scheme, ...(proof ? { jkt: proof.jkt } : {}) };
    return reply.header('cache-control', 'no-store').send(await userInfo(presented, context));
  });
}
