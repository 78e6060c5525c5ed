import type { FastifyInstance } from 'fastify';
import type { IntrospectionContext } from '../../protocol/introspection.js';
import { userInfo } from '../../protocol/userinfo.js';
import type { UserStore } from '../../ports/users.js';
import { bearerToken } from '../bearer.js';

/** `GET /userinfo` (OpenID Connect Core §5.3), with the access token as a bearer token. */
export function userinfoRoute(app: FastifyInstance, context: IntrospectionContext & { users: Pick<UserStore, 'findUserById'> }, base: string): void {
  app.get(`${base}/userinfo`, async (request, reply) =>
    reply.header('cache-control', 'no-store').send(await userInfo(bearerToken(request.headers.authorization), context)),
  );
}
