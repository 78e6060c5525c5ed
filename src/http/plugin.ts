import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { createClientResolver } from '../protocol/cimd/client-resolver.js';
import { fetchDocument } from '../outbound/fetch-document.js';
import { createUsageTracker } from '../cleanup/usage-tracker.js';
import type { Config } from '../config/defaults.js';
import { noAudit, type AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import { createStatementKeyResolver } from '../keys/statement-keys.js';
import { cacheInitialAccessTokenLookups } from '../protocol/registration/initial-access-token-cache.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { Storage } from '../ports/storage.js';
import type { KeyManager } from '../keys/key-manager.js';
import { createTokenSigner } from '../keys/token-signer.js';
import { createTokenVerifier } from '../keys/token-verifier.js';
import type { LoginThrottle } from '../rate-limit/login-throttle.js';
import { parseFormBody } from './form-body.js';
import { decodeUtf8, parseJsonObject } from './json-body.js';
import { limitAuthorizationPages } from './authorize-rate-limit.js';
import { renderError } from './render-error.js';
import { createSessions } from './session.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { authorizeRoutes } from './routes/authorize.js';
import { openapiRoute } from './routes/openapi.js';
import { signInRoutes } from './routes/sign-in.js';
import { clientConfigurationRoutes } from './routes/client-configuration.js';
import { jwksRoute } from './routes/jwks.js';
import { metadataRoutes } from './routes/metadata.js';
import { tokenRoute } from './routes/token.js';
import { registerRoute } from './routes/register.js';
import { revokeAndIntrospectRoutes } from './routes/revoke-introspect.js';
import { userinfoRoute } from './routes/userinfo.js';

export interface LatchkeyPluginOptions {
  config: Config;
  storage: Storage;
  clock: Clock;
  random: RandomSource;
  /** The per-IP limit on registrations. */
  registrationLimiter: RateLimiter;
  /** The per-IP limit on token requests. */
  tokenLimiter: RateLimiter;
  /** The per-IP limit on the authorization pages (`/authorize`, `/login`, `/consent`); by default none. */
  authorizeLimiter?: RateLimiter;
  /** The signing keys; `ensureKey()` must have run. */
  keys: KeyManager;
  /** From which the keys that sign sessions, pending authorization requests and notices are derived; the same on every instance. */
  cookieSecret: string;
  loginThrottle: LoginThrottle;
  /** Where audit events go; by default nowhere. */
  audit?: AuditTrail;
  /** How Client ID Metadata Documents are fetched: a CA to trust (for tests with a self-signed server). */
  cimdFetchOptions?: { ca?: string };
}

/**
 * Latchkey's routes as one Fastify plugin: server metadata, keys, registration (RFC 7591) and client
 * configuration (RFC 7592), the token endpoint, and the authorization pages. Routes live below the issuer's
 * path. Each group is its own encapsulated context, with only the body parser it needs.
 */
export async function latchkeyPlugin(app: FastifyInstance, options: LatchkeyPluginOptions): Promise<void> {
  const { config, storage, clock, random } = options;
  const audit = options.audit ?? noAudit;
  // Protocol bodies are parsed here, not by Fastify's default parser, so that errors have the RFCs' shape.
  app.removeAllContentTypeParsers();
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));

  const base = new URL(config.issuer).pathname.replace(/\/+$/, '');
  const endpoints = [config.registration.path, ...config.registration.aliases].map((path) => ({
    path: `${base}${path}`,
    url: `${config.issuer}${path}`,
  }));

  // Client lookups by the endpoints that take a client_id: registered clients, and metadata document URLs.
  const clients = createClientResolver({
    clients: storage.clients,
    config,
    clock,
    logger: app.log,
    fetchDocument,
    ...(options.cimdFetchOptions ? { fetchOptions: options.cimdFetchOptions } : {}),
  });

  const tokenChecks = {
    issuer: config.issuer,
    grants: storage.grants,
    revokedAccessTokens: storage.revokedAccessTokens,
    // Stored clients only: a token without a user belongs to a client an operator vouched for, never a metadata document.
    clients: storage.clients,
    verifier: createTokenVerifier(options.keys, config.issuer, clock),
    clock,
  };

  // The API: browser-based clients (MCP Inspector) discover, register and get tokens from another origin.
  // These endpoints take no cookies, only bearer tokens and client credentials, so any origin may call them.
  await app.register(async (api) => {
    await api.register(cors, {
      origin: '*',
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'MCP-Protocol-Version'],
      maxAge: 86_400,
    });
    metadataRoutes(api, config);
    openapiRoute(api, config, base);
    jwksRoute(api, options.keys, `${base}/jwks.json`);
    userinfoRoute(api, { ...tokenChecks, users: storage.users }, base);
    await api.register(async (json) => {
      json.addContentTypeParser('application/json', { parseAs: 'buffer' }, bodyParser(parseJsonObject));
      const registration = {
        config,
        initialAccessTokens: cacheInitialAccessTokenLookups(storage.initialAccessTokens, clock),
        statementKeys: createStatementKeyResolver(config.registration.softwareStatement.issuers),
        clock,
        random,
        audit,
      };
      registerRoute(json, { ...registration, clients: storage.clients, limiter: options.registrationLimiter }, endpoints);
      clientConfigurationRoutes(json, { ...registration, clients: storage.clients }, endpoints);
    });
    await api.register(async (form) => {
      form.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, bodyParser(parseFormBody));
      const signer = createTokenSigner(options.keys);
      // Last use is recorded coarsely (see createUsageTracker); its writes finish before the database closes.
      const usage = createUsageTracker(storage.clients, clock, { logger: app.log });
      form.addHook('onClose', () => usage.drain());
      revokeAndIntrospectRoutes(form, { ...tokenChecks, config, clients, audit }, base);
      tokenRoute(
        form,
        { config, clients, codes: storage.codes, grants: storage.grants, users: storage.users, signer, clock, random, limiter: options.tokenLimiter, usage, audit },
        `${base}/token`,
      );
    });
  });

  // The pages a person sees: same-origin only, with cookies.
  await app.register(async (pages) => {
    // No secret for the cookie plugin: every signed value goes through a signer of its own purpose (sessions.signer).
    await pages.register(cookie);
    pages.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, bodyParser(parseFormBody));
    if (options.authorizeLimiter) limitAuthorizationPages(pages, options.authorizeLimiter, base);
    const sessions = createSessions(config.issuer, config.login.sessionTtlSeconds, () => clock.now(), options.cookieSecret);
    authorizeRoutes(pages, { config, storage, clients, clock, random, sessions, throttle: options.loginThrottle, audit }, base);
    const pagesContext = { config, storage, clock, random, sessions, throttle: options.loginThrottle, audit, keys: options.keys, base };
    signInRoutes(pages, pagesContext);
    accountRoutes(pages, pagesContext);
    adminRoutes(pages, pagesContext);
  });
}

/** A Fastify body parser for UTF-8 text that `parse` turns into an object or refuses with an OAuthError. */
function bodyParser(parse: (text: string) => Record<string, unknown>) {
  return (_request: unknown, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    try {
      done(null, parse(decodeUtf8(body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  };
}
