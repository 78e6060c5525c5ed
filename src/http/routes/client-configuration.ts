import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  deleteClient,
  readClient,
  updateClient,
  type ClientConfigurationContext,
} from '../../protocol/registration/client-configuration.js';
import { clientConfigurationUri } from '../../protocol/registration/registration.js';
import { bearerToken } from '../bearer.js';
import { requireObjectBody } from '../json-body.js';

/** `GET`, `PUT` and `DELETE <registration path>/{client_id}` (RFC 7592 §2), authorized by the registration access token. */
export function clientConfigurationRoutes(
  app: FastifyInstance,
  context: ClientConfigurationContext,
  endpoints: { path: string; url: string }[],
): void {
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  for (const { path, url } of endpoints) {
    // The client id is the rest of the path (a wildcard, not a parameter): an id longer than the 100 characters
    // Fastify allows a path parameter would otherwise get Fastify's own 414 body. Any id that is not a client's,
    // however long or with slashes, gets the answer RFC 7592 §2 gives an unknown client: 401 invalid_token.
    const route = `${path}/*`;
    type Params = { Params: { '*': string } };

    app.get<Params>(route, async (request, reply) => {
      const clientId = request.params['*'];
      if (clientId === '') return reply.callNotFound();
      const token = bearerToken(request.headers.authorization);
      return noStore(reply).send(await readClient(clientId, token, context, clientConfigurationUri(url, clientId)));
    });

    app.put<Params>(route, async (request, reply) => {
      const clientId = request.params['*'];
      if (clientId === '') return reply.callNotFound();
      const token = bearerToken(request.headers.authorization);
      const response = await updateClient(clientId, token, requireObjectBody(request), context, clientConfigurationUri(url, clientId));
      return noStore(reply).send(response);
    });

    app.delete<Params>(route, async (request, reply) => {
      const clientId = request.params['*'];
      if (clientId === '') return reply.callNotFound();
      await deleteClient(clientId, bearerToken(request.headers.authorization), context);
      return noStore(reply).code(204).send();
    });
  }
}
