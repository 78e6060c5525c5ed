import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { closeAppAndServices, createServices, type ServiceOverrides, type Services } from './compose.js';
import type { Config } from './config/defaults.js';
import { isLoadedConfig, loadConfig } from './config/load.js';
import { buildApp } from './http/app.js';
import { createFetchHandler, type FetchRequestInfo } from './http/fetch-handler.js';
import type { HostAuthentication } from './http/host-sign-in.js';
import { createNodeMiddleware, latchkeyPaths, type NodeMiddleware } from './http/node-handler.js';
import { checkMountPrefix, latchkeyPlugin } from './http/plugin.js';
import { announceFirstAdmin, ensureFirstAdmin } from './users/first-admin.js';

/** How a host creates Latchkey, besides its settings. */
export interface LatchkeyOptions {
  /**
   * Environment variables to read (`LATCHKEY_*`, as the standalone server does), under the settings. None by
   * default: pass `process.env` to configure secrets such as the key-encryption key from the environment.
   */
  env?: Record<string, string | undefined>;
  /** Where Latchkey logs (redacted as its own log is); by default JSON lines on stdout at `logLevel`. */
  logger?: Logger;
  /** A CA to trust when fetching Client ID Metadata Documents (a private CA, tests). */
  cimdFetchOptions?: { ca?: string };
  /**
   * Your app's own sign-in (PRODUCT.md §9): who is signed in, from your session. Return the user (`id` is your
   * stable id of them; `name`, `email`, `isAdmin` optional) or undefined. With it, Latchkey has no sign-in page and
   * no session of its own: it asks this at each authorization, account and admin page, and runs only consent and
   * token issuance. Requires {@link LatchkeyOptions.signInUrl}.
   */
  authenticate?: HostAuthentication['authenticate'];
  /**
   * Where to send a browser that is not signed in, given the absolute URL to come back to afterwards (on the
   * issuer's origin). Send it back only there: see {@link HostAuthentication.signInUrl}.
   */
  signInUrl?: HostAuthentication['signInUrl'];
}

/** Latchkey inside a host application. */
export interface Latchkey {
  /** The configuration in effect (validated and frozen). */
  readonly config: Config;
  /**
   * A Fastify plugin serving every endpoint and page. Register it without a prefix (routes follow the issuer's
   * path) or with the issuer's path as prefix: `app.register(latchkey.plugin, { prefix: '/auth' })` for an issuer
   * `https://app.example/auth`. Closing the host app closes Latchkey. The client address its rate limits and
   * sign-in throttle count by is the host's `request.ip`: the host's own Fastify `trustProxy` option decides it, not
   * Latchkey's `trustProxy` setting (set the host's to the proxies' addresses, never `true` for clients that connect
   * directly, or any client escapes the limits by writing its own `X-Forwarded-For`).
   */
  readonly plugin: FastifyPluginAsync<{ prefix?: string }>;
  /**
   * A web-standard handler for Hono, Next.js route handlers and any fetch runtime on Node. Give it the requests
   * {@link Latchkey.handles} accepts, and the peer's address (see {@link FetchRequestInfo.clientAddress}).
   */
  fetch(request: Request, info?: FetchRequestInfo): Promise<Response>;
  /** Connect-style middleware for Express and `node:http`: serves Latchkey's URLs, passes on the rest. Mount it before body parsers. */
  readonly middleware: NodeMiddleware;
  /** Whether a path (`/auth/token`, `/.well-known/oauth-authorization-server/auth`) is one of Latchkey's. */
  handles(path: string): boolean;
  /** Stops the background work, writes what is pending, and closes the database. Call it once the host has stopped serving. */
  close(): Promise<void>;
}

/** Settings shaped like the configuration file (nested objects or dotted keys), or a configuration from `loadConfig`. */
export type LatchkeySettings = Record<string, unknown> | Config;

/**
 * Latchkey for a host application: opens (and migrates) the configured database, builds every service, creates
 * the first administrator on a fresh database (printed on a terminal, as the standalone server does), and gives
 * a Fastify plugin, a fetch handler and Node middleware over the same services.
 *
 * @example
 * const latchkey = await createLatchkey({ issuer: 'https://app.example/auth', database: { url: 'sqlite:./data/latchkey.db' } });
 * await app.register(latchkey.plugin, { prefix: '/auth' });
 */
export async function createLatchkey(settings: LatchkeySettings, options: LatchkeyOptions = {}): Promise<Latchkey> {
  const config = isLoadedConfig(settings) ? settings : loadConfig({ env: options.env ?? {}, settings });
  if ((options.authenticate === undefined) !== (options.signInUrl === undefined)) {
    throw new TypeError('createLatchkey: give authenticate and signInUrl together (who is signed in, and where to send a browser to sign in)');
  }
  const overrides: ServiceOverrides = {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.cimdFetchOptions ? { cimdFetchOptions: options.cimdFetchOptions } : {}),
    ...(options.authenticate && options.signInUrl ? { host: { authenticate: options.authenticate, signInUrl: options.signInUrl } } : {}),
  };
  const services = await createServices(config, overrides);
  let app: FastifyInstance;
  const routes: string[] = [];
  try {
    // A host that signs its users in has no use for a local administrator with a password.
    const admin = options.authenticate ? undefined : await ensureFirstAdmin(services.storage.users, services.clock.now(), services.config.identity);
    if (admin) announceFirstAdmin(admin, process.stderr, services.logger);
    // One app behind `fetch` and `middleware`; the plugin mounts the same routes into the host's Fastify.
    app = await buildApp(services, { routes });
    await app.ready();
  } catch (error) {
    await services.close().catch(() => {});
    throw error;
  }
  services.cleanup.start();
  const handles = latchkeyPaths(config.issuer, routes);
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= closeAppAndServices(app, services));
  return {
    config,
    plugin: pluginFor(services, close),
    fetch: createFetchHandler(app, { owns: handles, trustProxy: config.trustProxy }),
    middleware: createNodeMiddleware(app, handles),
    handles,
    close,
  };
}

/**
 * The host's plugin. Its routes follow the issuer's path: registered with a prefix, the prefix must be that path
 * (or its beginning), and the metadata documents at the host's root are served too, which a plugin confined to its
 * prefix could not do. So it runs in the host's root context (Fastify's `skip-override`, as fastify-plugin sets
 * it) and registers its routes there. Closed with the host.
 */
function pluginFor(services: Services, close: () => Promise<void>): FastifyPluginAsync<{ prefix?: string }> {
  const plugin: FastifyPluginAsync<{ prefix?: string }> = async (host, options) => {
    if (host.prefix !== '') {
      throw new Error(`Register latchkey.plugin on the root Fastify instance (with { prefix: '/auth' } if you like), not inside "${host.prefix}": its routes follow the issuer's path`);
    }
    checkMountPrefix(services.config.issuer, (options.prefix ?? '').replace(/\/+$/, ''));
    if (services.config.trustProxy !== false) {
      services.logger.warn("trustProxy is set, but in a host's Fastify app the host's own trustProxy option decides the client address");
    }
    await host.register(latchkeyPlugin, { services });
    host.addHook('onClose', async () => close());
  };
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
