import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Services } from '../compose.js';
import { gatewayEnabled } from '../config/gateway.js';
import { trustedProxy } from '../config/trust-proxy.js';
import { OAuthError } from '../errors/oauth-error.js';
import { instrumentApp } from '../observability/http-metrics.js';
import { requestIdGenerator } from '../observability/request-id.js';
import { latchkeyPlugin } from './plugin.js';
import { renderError } from './render-error.js';

/** Request bodies larger than this are refused with `413` before they are read. */
export const bodyLimit = 64 * 1024;

/**
 * Requests too malformed for Fastify to route (broken framing, bad headers) are answered on the socket in the
 * same RFC 6749 shape as every other error, instead of Node's or Fastify's default body.
 */
function answerMalformedRequest(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    error: 'invalid_request',
    error_description: tooLarge ? 'The request headers are too large.' : 'The request is not well-formed HTTP.',
  });
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * URLs the router cannot even match (a broken percent-encoding, a path segment longer than a path parameter
 * may be) get the RFC 6749 shape too, rather than Fastify's body, which echoes the URL.
 */
function answerUnroutableUrl(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const answer =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new OAuthError('not_found')
      : new OAuthError('invalid_request', error.code === 'FST_ERR_BAD_URL' ? 'the URL is not well-formed' : undefined, { cause: error });
  renderError(request, reply, answer);
}

/**
 * The standalone server: a Fastify instance with Latchkey's plugin, JSON 404s, health checks, metrics, request
 * ids and security headers, over the services of `createServices` (compose.ts). It does not listen: `main.ts`
 * does, tests use `inject()`, and the library's `fetch` handler routes into it. Closing it does not close the
 * services: their owner does, after the app has closed. `options.routes` collects the URL of every route of the
 * plugin.
 */
export async function buildApp(services: Services, options: { routes?: string[] } = {}): Promise<FastifyInstance> {
  const { config, storage, metrics } = services;
  // One answer to "is this peer a trusted proxy?" for the client address and the request id: with a list, the
  // client address is the right-most X-Forwarded-For address that is not a listed proxy (proxy-addr's walk).
  const trusted = trustedProxy(config.trustProxy);
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    trustProxy: typeof config.trustProxy === 'boolean' ? config.trustProxy : (address: string) => trusted(address),
    bodyLimit,
    genReqId: requestIdGenerator(trusted),
    return503OnClosing: true,
    // One line per request, when it is answered (below), rather than Fastify's two. Through a LogController, as
    // Fastify 5.12 asks (its top-level `disableRequestLogging` is deprecated, FSTDEP023).
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: answerMalformedRequest,
    frameworkErrors: answerUnroutableUrl,
  });
  const shutdown = drainOnClose(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('x-request-id', request.id);
    if (shutdown.closing) reply.header('connection', 'close');
  });
  // The request and its answer in one line: at `info` a busy server writes half as much, and a line holds all
  // there is to know of a request. A route logged at `warn` (the probes) logs nothing here.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
  });
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
  app.setNotFoundHandler((request, reply) => renderError(request, reply, new OAuthError('not_found')));

  // Disabled, nothing is counted: no hook, no route (the path is a 404).
  if (metrics) instrumentApp(app, config, metrics);

  // Probes come every few seconds: only their warnings are logged (they are still counted in the metrics).
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));
  // Ready when the database answers and takes writes: on a full disk it still answers, but every write fails.
  app.get('/readyz', { logLevel: 'warn' }, async (request, reply) => {
    const reachable = await storage.ping();
    const writable = reachable && (await storage.writable());
    if (!reachable) request.log.warn('not ready: the database cannot be reached');
    else if (!writable) request.log.warn('not ready: the database refuses writes (a full disk, a read-only database?)');
    return reply
      .code(writable ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: writable ? 'ready' : 'not ready', database: !reachable ? 'unavailable' : writable ? 'ok' : 'not writable' });
  });

  await app.register(async (latchkey) => {
    // The URL of each of the plugin's routes (not the health checks or metrics above, which are the standalone
    // server's), for hosts that pass Latchkey only its own requests (see `latchkeyPaths`).
    if (options.routes) latchkey.addHook('onRoute', (route) => void options.routes?.push(route.url));
    await latchkey.register(latchkeyPlugin, { services });
  });
  // Gateway mode (PRODUCT §12): loaded only when configured, so that a plain authorization server never loads the
  // proxy and the MCP SDK.
  if (gatewayEnabled(config.gateway)) {
    const { gatewayPlugin } = await import('../gateway/gateway-plugin.js');
    await app.register(async (gateway) => gatewayPlugin(gateway, services));
  }
  return app;
}

/** How long a connection may stay silent once the server is closing and every handler has finished. */
const closingIdleMs = 1000;

/**
 * Graceful close, in three parts.
 *
 * - `close()` first waits for every route handler still running, including those whose client has gone: Node's
 *   server closes once its connections have, and a handler whose connection was reset would otherwise go on
 *   to query a database already closed (and record audit events after the trail was flushed).
 * - While closing, responses say `Connection: close`. Node closes the connections that are idle when the
 *   server closes, not those that become idle after their last response, which would hold the shutdown for
 *   the keep-alive timeout (72 s), past an orchestrator's grace period.
 * - Nor does Node close a connection that has not sent a request yet (one a client or load balancer opened in
 *   advance): once the handlers have finished, a connection silent for {@link closingIdleMs} is closed.
 *
 * New requests meanwhile get Fastify's `503` (`return503OnClosing`), so a load balancer moves them elsewhere.
 */
function drainOnClose(app: FastifyInstance): { readonly closing: boolean } {
  const state = { closing: false };
  const sockets = new Set<Socket>();
  let silencing = false;
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (silencing) socket.setTimeout(closingIdleMs);
  });
  // Node's HTTP server destroys a socket that times out when nothing else handles the timeout.
  const closeSilentConnections = () => {
    silencing = true;
    for (const socket of sockets) socket.setTimeout(closingIdleMs);
  };
  let running = 0;
  let drained: (() => void) | undefined;
  const finished = () => {
    if (--running > 0 || drained === undefined) return;
    const done = drained;
    drained = undefined;
    closeSilentConnections();
    done();
  };
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    // Only handlers that return a promise are counted; the result is handed back untouched.
    route.handler = function (this: FastifyInstance, request, reply) {
      const result: unknown = handler.call(this, request, reply);
      if (result instanceof Promise) {
        running++;
        result.then(finished, finished);
      }
      return result;
    } as typeof handler;
  });
  app.addHook('preClose', (done) => {
    state.closing = true;
    if (running === 0) {
      closeSilentConnections();
      return done();
    }
    app.log.info({ requests: running }, 'waiting for requests in flight to finish');
    drained = done;
  });
  return state;
}

