import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/defaults.js';
import { metadataPaths, serverMetadata } from '../../protocol/server-metadata.js';

/**
 * `GET /.well-known/oauth-authorization-server` and its OpenID Connect and path-suffixed forms (RFC 8414 §3).
 * Registered under `prefix`, only the forms below it are served (the others are outside the plugin's reach).
 */
export function metadataRoutes(app: FastifyInstance, config: Config, prefix = ''): void {
  const body = JSON.stringify(serverMetadata(config));
  const paths = metadataPaths(config.issuer).filter((path) => prefix === '' || path.startsWith(`${prefix}/`));
  for (const path of paths) {
    app.get(path.slice(prefix.length), async (_request, reply) =>
      reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(body),
    );
  }
}
