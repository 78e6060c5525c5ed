import type { FastifyInstance } from 'fastify';
import type { Services } from '../compose.js';
import { allowAnyOrigin } from './cors.js';
import { parseFormBody } from './form-body.js';
import { decodeUtf8, parseJsonObject } from './json-body.js';
import { limitAuthorizationPages } from './authorize-rate-limit.js';
import { hostSignIn } from './host-sign-in.js';
import { renderError } from './render-error.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './admin-dashboard.js';
import { authorizeRoutes } from './routes/authorize.js';
import { openapiRoute } from './routes/openapi.js';
import { signInRoutes } from './routes/sign-in.js';
import { upstreamSignInRoutes } from './routes/upstream-sign-in.js';
import { clientConfigurationRoutes } from './routes/client-configuration.js';
import { jwksRoute } from './routes/jwks.js';
import { metadataRoutes } from './routes/metadata.js';
import { tokenRoute } from './routes/token.js';
import { parRoute } from './routes/par.js';
import { registerRoute } from './routes/register.js';
import { revokeAndIntrospectRoutes } from './routes/revoke-introspect.js';
import { userinfoRoute } from './routes/userinfo.js';

export interface LatchkeyPluginOptions {
  /** Every service, from `createServices` (compose.ts). */
  services: Services;
}

/**
 * Latchkey's routes as one Fastify plugin: server metadata, keys, registration (RFC 7591) and client
 * configuration (RFC 7592), the token endpoint, and the authorization pages. Each group is its own encapsulated
 * context, with only the body parser it needs. It only mounts: every service comes from `options.services`.
 *
 * Routes live below the issuer's path, and the metadata documents at the host's root too (RFC 8414 §3.1's
 * `/.well-known/oauth-authorization-server/auth` for an issuer `…/auth`): so it is registered without a prefix, in
 * the root context, where the page links (built from the issuer's path) are the routes' URLs.
 */
export async function latchkeyPlugin(app: FastifyInstance, options: LatchkeyPluginOptions): Promise<void> {
  const { config, storage, clock, random, audit } = options.services;
  const services = options.services;
  // Protocol bodies are parsed here, not by Fastify's default parser, so that errors have the RFCs' shape.
  app.removeAllContentTypeParsers();
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));

  if (app.prefix !== '') throw new Error(`Latchkey's routes follow its issuer's path: register them in the root context, not under "${app.prefix}"`);
  const base = new URL(config.issuer).pathname.replace(/\/+$/, '');
  const endpoints = [config.registration.path, ...config.registration.aliases].map((path) => ({
    path: `${base}${path}`,
    url: `${config.issuer}${path}`,
  }));

  const tokenChecks = {
    issuer: config.issuer,
    grants: storage.grants,
    revokedAccessTokens: storage.revokedAccessTokens,
    // Stored clients only: a token without a user belongs to a client an operator vouched for, never a metadata document.
    clients: storage.clients,
    verifier: services.verifier,
    clock,
    refreshTokenSeal: services.refreshTokenSeal,
    refreshTokenLifetimeMs: config.tokens.refreshTokenTtlSeconds * 1000,
  };
  const clients = services.clientResolver;
  // private_key_jwt at /token, /revoke and /introspect: the clients' keys, and their assertions' jti used once.
  const clientAssertions = { clientKeys: services.clientKeys, replays: storage.replays, issuer: config.issuer };

  // The API: browser-based clients (MCP Inspector) discover, register and get tokens from another origin.
  // These endpoints take no cookies, only bearer tokens and client credentials, so any origin may call them.
  await app.register(async (api) => {
    const addPreflights = allowAnyOrigin(api, {
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization', 'MCP-Protocol-Version', 'DPoP'],
      exposedHeaders: ['DPoP-Nonce', 'WWW-Authenticate'],
      maxAgeSeconds: 86_400,
    });
    metadataRoutes(api, config);
    openapiRoute(api, config, base);
    jwksRoute(api, services.keys, `${base}/jwks.json`);
    userinfoRoute(api, { ...tokenChecks, users: storage.users, replays: storage.replays }, base);
    await api.register(async (json) => {
      json.addContentTypeParser('application/json', { parseAs: 'buffer' }, bodyParser(parseJsonObject));
      const registration = {
        config,
        initialAccessTokens: services.initialAccessTokens,
        statementKeys: services.statementKeys,
        clock,
        random,
        audit,
      };
      registerRoute(json, { ...registration, clients: storage.clients, limiter: services.limiters.registration }, endpoints);
      clientConfigurationRoutes(json, { ...registration, clients: storage.clients }, endpoints);
    });
    await api.register(async (form) => {
      form.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, bodyParser(parseFormBody));
      revokeAndIntrospectRoutes(form, { ...tokenChecks, config, clients, audit, clientAssertions }, base);
      tokenRoute(
        form,
        {
          config,
          clients,
          codes: storage.codes,
          grants: storage.grants,
          users: storage.users,
          signer: services.signer,
          clock,
          random,
          limiter: services.limiters.token,
          usage: services.usage,
          audit,
          replays: storage.replays,
          dpopNonces: services.dpopNonces,
          enterprise: { keysFor: services.enterpriseKeys, replays: storage.replays, identities: storage.identities, users: storage.users },
          clientAssertions,
          refreshTokenSeal: services.refreshTokenSeal,
        },
        `${base}/token`,
      );
      // Pushed authorization requests (RFC 9126): the client authenticates as at /token, under the same limit.
      parRoute(form, { config, clients, pushedRequests: storage.pushedRequests, clock, random, clientAssertions, limiter: services.limiters.token }, `${base}/par`);
    });
    await addPreflights();
  });

  // The pages a person sees: same-origin only, with cookies.
  await app.register(async (pages) => {
    // Cookies are read and written by the sessions (session.ts), not by @fastify/cookie, which a host may have too.
    pages.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, bodyParser(parseFormBody));
    limitAuthorizationPages(pages, services.limiters.authorize, base);
    const { sessions, loginThrottle: throttle, keys } = services;
    const host = services.host && hostSignIn(services.host, config.issuer, { users: storage.users, identities: storage.identities, clock, random });
    authorizeRoutes(pages, { config, storage, clients, clock, random, sessions, throttle, audit, host }, base);
    const signInMethods = { providers: config.identity.providers.map(({ id, name }) => ({ id, name })), localPasswords: config.identity.localPasswords };
    const pagesContext = { config, storage, clock, random, sessions, throttle, audit, keys, base, host, signInMethods };
    signInRoutes(pages, pagesContext);
    upstreamSignInRoutes(pages, { ...pagesContext, upstream: services.upstream });
    accountRoutes(pages, pagesContext);
    adminRoutes(pages, pagesContext);
  });
}

/**
 * Checks that `prefix`, the one a host registers the library's plugin with, is the issuer's path or its
 * beginning: a prefix elsewhere would promise endpoints at URLs the metadata does not name.
 */
export function checkMountPrefix(issuer: string, prefix: string): void {
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '');
  if (prefix === '' || issuerPath === prefix || issuerPath.startsWith(`${prefix}/`)) return;
  throw new Error(
    `Latchkey is registered under the prefix "${prefix}", but its issuer's path is "${issuerPath || '/'}": set issuer to a URL whose path starts with "${prefix}", or register it with that prefix`,
  );
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
