import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { mayIntrospect } from '../../protocol/client-permissions.js';
import { authenticateClient } from '../../protocol/client-authentication.js';
import type { ClientAssertionServices } from '../../protocol/client-assertion.js';
import { introspectToken, type IntrospectionContext } from '../../protocol/introspection.js';
import { revokeToken, type RevocationContext } from '../../protocol/revocation.js';
import type { ClientStore } from '../../ports/clients.js';
import { presentedClientCredentials } from '../form-body.js';

type Context = RevocationContext &
  IntrospectionContext & { config: Config; clients: Pick<ClientStore, 'findClient'>; clientAssertions?: ClientAssertionServices };

/** The calling client, authenticated by the method it registered, and the form parameters. */
async function authenticate(request: FastifyRequest, context: Context, endpoint: 'revoke' | 'introspect') {
  const client = await authenticateClient(presentedClientCredentials(request), {
    clients: context.clients,
    nowSeconds: Math.floor(context.clock.now() / 1000),
    assertions: context.clientAssertions && { ...context.clientAssertions, endpointUrl: `${context.config.issuer}/${endpoint}` },
  });
  return { params: (request.body ?? {}) as Record<string, string>, client };
}

/** `POST /revoke` (RFC 7009) and `POST /introspect` (RFC 7662), both with client authentication. */
export function revokeAndIntrospectRoutes(app: FastifyInstance, context: Context, base: string): void {
  app.post(`${base}/revoke`, async (request, reply) => {
    const { params, client: authenticated } = await authenticate(request, context, 'revoke');
    const token = params['token'];
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    await revokeToken(token, params['token_type_hint'], authenticated, context);
    request.log.info({ client_id: authenticated.clientId }, 'token revocation');
    return reply.header('cache-control', 'no-store').code(200).send();
  });

  app.post(`${base}/introspect`, async (request, reply) => {
    const { params, client: caller } = await authenticate(request, context, 'introspect');
    // RFC 7662 §2.1: the endpoint must be protected; RFC 7662 §4: it must not let anyone scan tokens. Anyone
    // can register a confidential client, so only resource servers an operator vouched for may ask.
    if (caller.metadata.token_endpoint_auth_method === 'none') {
      throw new OAuthError('invalid_client', 'introspection is for confidential clients');
    }
    if (!mayIntrospect(caller, context.config)) {
      throw new OAuthError('introspection_not_allowed', 'introspection is for resource servers: clients an operator created, or registered under a policy that allows it', {
        detail: `client ${caller.clientId} (${caller.registrationSource}) may not introspect`,
      });
    }
    const token = params['token'];
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    return reply.header('cache-control', 'no-store').send(await introspectToken(token, params['token_type_hint'], context));
  });
}
