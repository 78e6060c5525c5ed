import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/defaults.js';
import { metadataPaths, serverMetadata } from '../../protocol/server-metadata.js';

/** `GET /.well-known/oauth-authorization-server` and its OpenID Connect and path-suffixed forms (RFC 8414 §3). */
export function metadataRoutes(app: FastifyInstance, config: Config): void {
  const body = JSON.stringify(serverMetadata(config));
  for (const path of metadataPaths(config.issuer)) {
    app.get(path, async (_request, reply) =>
      reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(body),
    );
  }
}
