import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/defaults.js';
import { openapiDocument } from '../openapi-document.js';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the public endpoints, built from the configuration once per
 * app (it cannot change while the app runs) and cached by clients for five minutes, like the metadata.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openapiRoute(app: FastifyInstance, config: Config, base: string): void {
  const body = JSON.stringify(openapiDocument(config));
  app.get(`${base}/openapi.json`, async (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(body),
  );
}
