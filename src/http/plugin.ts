import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/defaults.js';
import type { Clock, RandomSource } from '../protocol/context.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Storage } from '../storage/ports.js';
import { decodeUtf8, parseJsonObject } from './json-body.js';
import { renderError } from './render-error.js';
import { clientConfigurationRoutes } from './routes/client-configuration.js';
import { metadataRoutes } from './routes/metadata.js';
import { registerRoute } from './routes/register.js';

export interface LatchkeyPluginOptions {
  config: Config;
  storage: Storage;
  clock: Clock;
  random: RandomSource;
  /** The per-IP limit on registrations. */
  registrationLimiter: RateLimiter;
}

/**
 * Latchkey's routes as one Fastify plugin: server metadata, registration (RFC 7591) and client configuration
 * (RFC 7592), with their own JSON body parser and error renderer. Routes live below the issuer's path.
 */
export async function latchkeyPlugin(app: FastifyInstance, options: LatchkeyPluginOptions): Promise<void> {
  const { config, storage, clock, random } = options;
  // Protocol bodies are parsed here, not by Fastify's default parser, so that errors have RFC 7591's shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonObject(decodeUtf8(body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
  // Browser-based clients (MCP Inspector) discover and register from another origin. These endpoints take no
  // cookies, only bearer tokens and client credentials, so any origin may call them (without credentials).
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'MCP-Protocol-Version'],
    maxAge: 86_400,
  });

  const issuerPath = new URL(config.issuer).pathname.replace(/\/+$/, '');
  const endpoints = [config.registration.path, ...config.registration.aliases].map((path) => ({
    path: `${issuerPath}${path}`,
    url: `${config.issuer}${path}`,
  }));
  metadataRoutes(app, config);
  registerRoute(app, { config, clients: storage.clients, clock, random, limiter: options.registrationLimiter }, endpoints);
  clientConfigurationRoutes(app, { config, clients: storage.clients, clock, random }, endpoints);
}
