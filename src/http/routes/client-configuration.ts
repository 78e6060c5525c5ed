import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  deleteClient,
  readClient,
  updateClient,
  type ClientConfigurationContext,
} from '../../protocol/registration/client-configuration.js';
import { clientConfigurationUri } from '../../protocol/registration/registration.js';
import { bearerToken } from '../bearer.js';
import { requireObjectBody } from './register.js';

/** `GET`, `PUT` and `DELETE <registration path>/{client_id}` (RFC 7592 §2), authorized by the registration access token. */
export function clientConfigurationRoutes(
  app: FastifyInstance,
  context: ClientConfigurationContext,
  endpoints: { path: string; url: string }[],
): void {
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  for (const { path, url } of endpoints) {
    const route = `${path}/:clientId`;
    type Params = { Params: { clientId: string } };

    app.get<Params>(route, async (request, reply) => {
      const { clientId } = request.params;
      const token = bearerToken(request.headers.authorization);
      return noStore(reply).send(await readClient(clientId, token, context, clientConfigurationUri(url, clientId)));
    });

    app.put<Params>(route, async (request, reply) => {
      const { clientId } = request.params;
      const token = bearerToken(request.headers.authorization);
      const response = await updateClient(clientId, token, requireObjectBody(request), context, clientConfigurationUri(url, clientId));
      return noStore(reply).send(response);
    });

    app.delete<Params>(route, async (request, reply) => {
      const { clientId } = request.params;
      await deleteClient(clientId, bearerToken(request.headers.authorization), context);
      return noStore(reply).code(204).send();
    });
  }
}
