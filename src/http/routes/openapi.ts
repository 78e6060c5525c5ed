import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/defaults.js';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the public endpoints, built from the configuration once per
 * app (it cannot change while the app runs) and cached by clients for five minutes, like the metadata. Built at
 * the first request, not at start: a server nobody asks for it holds neither the document nor the modules that
 * describe it.
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openapiRoute(app: FastifyInstance, config: Config, base: string): void {
  let body: Promise<string> | undefined;
  const build = async () => {
    const { openapiDocument } = await import('../openapi-document.js');
    return JSON.stringify(openapiDocument(config));
  };
  app.get(`${base}/openapi.json`, async (_request, reply) => {
    body ??= build().catch((error: unknown) => {
      body = undefined;
      throw error;
    });
    return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=300').send(await body);
  });
}
