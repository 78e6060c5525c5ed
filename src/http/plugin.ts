import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/defaults.js';
import type { Clock, RandomSource } from '../protocol/context.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Storage } from '../storage/ports.js';
import type { KeyManager } from '../keys/key-manager.js';
import { createTokenSigner } from '../keys/token-signer.js';
import { parseFormBody } from './form-body.js';
import { decodeUtf8, parseJsonObject } from './json-body.js';
import { renderError } from './render-error.js';
import { clientConfigurationRoutes } from './routes/client-configuration.js';
import { jwksRoute } from './routes/jwks.js';
import { metadataRoutes } from './routes/metadata.js';
import { tokenRoute } from './routes/token.js';
import { registerRoute } from './routes/register.js';

export interface LatchkeyPluginOptions {
  config: Config;
  storage: Storage;
  clock: Clock;
  random: RandomSource;
  /** The per-IP limit on registrations. */
  registrationLimiter: RateLimiter;
  /** The signing keys; `ensureKey()` must have run. */
  keys: KeyManager;
}

/**
 * Latchkey's routes as one Fastify plugin: server metadata, registration (RFC 7591) and client configuration
 * (RFC 7592), with their own JSON body parser and error renderer. Routes live below the issuer's path.
 */
export async function latchkeyPlugin(app: FastifyInstance, options: LatchkeyPluginOptions): Promise<void> {
  const { config, storage, clock, random } = options;
  // Protocol bodies are parsed here, not by Fastify's default parser, so that errors have the RFCs' shape;
  // each group of routes accepts only its own media type (JSON for registration, forms for OAuth endpoints).
  app.removeAllContentTypeParsers();
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
  jwksRoute(app, options.keys, `${issuerPath}/jwks.json`);
  await app.register(async (json) => {
    json.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, parseJsonObject(decodeUtf8(body as Buffer)));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    registerRoute(json, { config, clients: storage.clients, clock, random, limiter: options.registrationLimiter }, endpoints);
    clientConfigurationRoutes(json, { config, clients: storage.clients, clock, random }, endpoints);
  });
  await app.register(async (form) => {
    form.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, parseFormBody(decodeUtf8(body as Buffer)));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    const signer = createTokenSigner(options.keys);
    tokenRoute(
      form,
      { config, clients: storage.clients, codes: storage.codes, grants: storage.grants, users: storage.users, signer, clock, random },
      `${issuerPath}/token`,
    );
  });
}
