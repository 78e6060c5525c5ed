import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../compose.js';
import { gatewayResourceUri, gatewayScopes } from '../config/gateway.js';
import { allowAnyOrigin } from '../http/cors.js';
import { createResourceServer } from '../resource-server/create-resource-server.js';
import { authenticate } from '../resource-server/authenticate.js';
import { authorizationHeaders, nodeDpopRequest } from '../resource-server/express.js';
import type { HttpReply } from '../resource-server/http-reply.js';
import { ResourceServerError } from '../resource-server/resource-server-error.js';
import type { GatewayCaller, JsonRpcResponse } from './gateway-request.js';
import { registerHttpUpstream } from './http-upstream.js';
import { answerId, jsonRpcCodes, jsonRpcError, messagesOf, requestsOf, type JsonRpcRequest } from './json-rpc.js';
import { createRevocationCheck } from './revocation-check.js';
import { createSessionBinding } from './session-binding.js';
import { recordToolCall, toolName, watchToolRequests, type ToolCallContext } from './tool-call-watchers.js';
import { createToolScopes } from './tool-scopes.js';
import { createVerifiedTokens } from './verified-tokens.js';

/**
 * Gateway mode (PRODUCT §12): at `gateway.path`, an MCP server that knows nothing of OAuth, behind Latchkey. Each
 * request is a short list of named steps: authenticate (the token, as any Latchkey resource server checks it:
 * signature, audience, expiry, scope, DPoP when bound), limit (per user, per client), read the JSON-RPC body,
 * check tool-level scopes, then hand it to the upstream (HTTP: forwarded; stdio: bridged to a process per session)
 * with watchers that record each tool call's outcome. The gateway's RFC 9728 metadata is served beside it.
 */
export async function gatewayPlugin(app: FastifyInstance, services: Services): Promise<void> {
  const { config } = services;
  const gateway = config.gateway;
  const base = new URL(config.issuer).pathname.replace(/\/+$/, '');
  const path = `${base}${gateway.path}`;
  const server = createResourceServer({
    issuer: config.issuer,
    resource: gatewayResourceUri(config.issuer, gateway.path),
    keys: services.keys.keyResolver,
    requiredScopes: gateway.scopes,
    scopesSupported: gatewayScopes(gateway),
    resourceName: gateway.resourceName,
    clock: services.clock,
  });
  const toolScopes = createToolScopes(gateway);
  const context: ToolCallContext = {
    gateway,
    toolScopes,
    audit: services.audit,
    metrics: services.metrics,
    knownTools: new Set(),
    now: () => services.clock.now(),
  };
  const binding = createSessionBinding(services.gatewaySecret);
  const verified = createVerifiedTokens();
  const stillActive = createRevocationCheck(services.storage, services.clock, gateway.revocationCacheSeconds * 1000);
  const http = gateway.upstream === null ? undefined : await registerHttpUpstream(app, { ...gateway, upstream: gateway.upstream }, binding, new URL(config.issuer).host);
  const stdio =
    gateway.command.length === 0
      ? undefined
      : (await import('./stdio-bridge.js')).createStdioBridge({
          command: gateway.command[0]!,
          args: gateway.command.slice(1),
          env: await childEnvironment(gateway.childEnv),
          maxSessions: gateway.maxSessions,
          maxSessionsPerUser: gateway.maxSessionsPerUser,
          idleTimeoutMs: gateway.sessionIdleSeconds * 1000,
          logger: services.logger,
        });
  // At shutdown the streams still open end, and every stdio process is stopped, before connections are drained.
  app.addHook('preClose', async () => {
    http?.abortAll();
    await stdio?.close();
  });

  const addPreflights = allowAnyOrigin(app, {
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'DPoP', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID', 'Accept'],
    exposedHeaders: ['Mcp-Session-Id', 'WWW-Authenticate', 'DPoP-Nonce'],
    maxAgeSeconds: 86_400,
  });
  app.get(server.metadataPath, async (_request, reply) => sendReply(reply, server.metadataReply()));

  // The body is read as text (forwarded byte for byte) and parsed here, so that a bad body gets a JSON-RPC error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'string', bodyLimit: gateway.maxRequestBytes }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'gateway: unexpected failure');
    const message = status === 413 ? `The request body is larger than ${gateway.maxRequestBytes} bytes.` : status === 415 ? 'The request body must be application/json.' : status === 500 ? 'The gateway failed.' : 'The request is not valid.';
    return sendJsonRpcError(reply, status, jsonRpcError(null, status === 500 ? jsonRpcCodes.internalError : jsonRpcCodes.invalidRequest, message));
  });

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const startedAt = services.clock.now();
    const authorization = authorizationHeaders(request.raw);
    // A repeated Authorization header is refused by authenticate(), never answered from the cache.
    let auth = authorization?.length === 1 ? verified.lookup(authorization[0], startedAt) : undefined;
    if (auth === undefined) {
      const outcome = await authenticate(server, authorization, { dpop: nodeDpopRequest(server, request.raw) });
      if (outcome.refusal) return sendReply(reply, outcome.refusal);
      auth = outcome.auth;
      verified.remember(auth);
    }
    if (!(await stillActive(auth.extra.claims))) {
      return sendReply(reply, server.refusal(new ResourceServerError('invalid_token', 'The access token was revoked.', gateway.scopes)));
    }
    const caller: GatewayCaller = { userId: auth.extra.sub, clientId: auth.clientId, scope: auth.scopes.join(' ') };
    const granted = new Set(auth.scopes);

    const rawBody = request.method === 'POST' ? (request.body as string | undefined) ?? '' : undefined;
    let body: unknown;
    let requests: JsonRpcRequest[] = [];
    if (rawBody !== undefined) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return sendJsonRpcError(reply, 400, jsonRpcError(null, jsonRpcCodes.parseError, 'The body is not JSON.'));
      }
      const messages = messagesOf(body);
      if (!messages) return sendJsonRpcError(reply, 400, jsonRpcError(null, jsonRpcCodes.invalidRequest, 'The body is not a JSON-RPC message.'));
      requests = requestsOf(messages);
    }
    const toolCalls = requests.filter((r) => r.method === 'tools/call');

    const limited = await rateLimit(caller);
    if (limited !== undefined) {
      for (const call of toolCalls) recordToolCall(context, { request: call, caller, ip: request.ip, startedAt }, 'rate_limited');
      reply.header('retry-after', String(limited));
      return sendJsonRpcError(reply, 429, jsonRpcError(answerId(body), jsonRpcCodes.rateLimited, `Too many requests; try again in ${limited} s.`));
    }

    // Tool-level scopes: a call outside the token's scope is refused as a resource server refuses a token that lacks
    // scope (RFC 6750 §3.1), naming every scope the call needs, so that the agent asks the user for them (step-up).
    for (const call of toolCalls) {
      // The whole name, as the upstream will read it; toolName() cuts it for the audit trail and the message.
      const name = call.params?.['name'];
      const fullName = typeof name === 'string' ? name : '';
      const tool = toolName(call);
      const missing = toolScopes.missingFor(fullName, granted);
      if (missing.length === 0) continue;
      recordToolCall(context, { request: call, caller, ip: request.ip, startedAt }, 'refused', { missing_scope: missing.join(' ') });
      return sendReply(reply, server.refusal(new ResourceServerError('insufficient_scope', `The tool ${tool} needs the scope ${missing.join(' ')}.`, toolScopes.scopesFor(fullName))));
    }

    const answered = new Set<string | number>();
    const watchers = watchToolRequests(context, requests, { caller, ip: request.ip, granted, startedAt }, answered);
    if (toolCalls.length > 0) {
      reply.raw.once('close', () => {
        const failed = reply.raw.statusCode >= 502 ? 'upstream_failed' : 'no_response';
        for (const call of toolCalls) if (!answered.has(call.id)) recordToolCall(context, { request: call, caller, ip: request.ip, startedAt }, failed);
      });
    }

    if (stdio) {
      // The bridge writes the response itself; the headers set so far (CORS, request id) go with it.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      reply.hijack();
      // A hijacked reply skips Fastify's onResponse hooks: its line and its count are written here.
      reply.raw.once('close', () => {
        const seconds = (services.clock.now() - startedAt) / 1000;
        request.log.info({ req: request, res: { statusCode: reply.raw.statusCode }, responseTime: seconds * 1000 }, 'request completed');
        services.metrics?.observeRequest(path, request.method, reply.raw.statusCode, seconds);
      });
      // Not awaited: the bridge resolves when the response ends (an SSE stream, at the session's end), and a handler
      // still running would hold the server's shutdown, which is what ends those streams.
      stdio.handle({ raw: request.raw, res: reply.raw, body, caller, watchers }).catch((error: unknown) => {
        request.log.error({ err: error }, 'gateway: the stdio bridge failed');
        if (!reply.raw.headersSent) sendRaw(reply, 500, jsonRpcError(answerId(body), jsonRpcCodes.internalError, 'The gateway failed.'));
        else reply.raw.destroy();
      });
      return reply;
    }
    const presented = request.headers['mcp-session-id'];
    let upstreamSessionId: string | undefined;
    if (presented !== undefined) {
      upstreamSessionId = typeof presented === 'string' ? binding.unbind(presented, caller) : undefined;
      if (upstreamSessionId === undefined) return sendJsonRpcError(reply, 404, jsonRpcError(answerId(body), jsonRpcCodes.sessionNotFound, 'Session not found'));
    }
    return http!.forward({ request, reply, caller, rawBody, body, upstreamSessionId, watchers });
  }

  /** Seconds to wait, when the user or the client has used up its window; undefined when allowed. */
  async function rateLimit(caller: GatewayCaller): Promise<number | undefined> {
    const [user, client] = await Promise.all([services.limiters.gatewayUser.consume(caller.userId), services.limiters.gatewayClient.consume(caller.clientId)]);
    if (!user.allowed) return user.retryAfterSeconds;
    if (!client.allowed) return client.retryAfterSeconds;
    return undefined;
  }

  app.route({ method: ['POST', 'GET', 'DELETE'], url: path, bodyLimit: gateway.maxRequestBytes, handler: handle });
  await addPreflights();
}

function sendReply(reply: FastifyReply, answer: HttpReply): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

function sendRaw(reply: FastifyReply, status: number, body: JsonRpcResponse): void {
  reply.raw.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function sendJsonRpcError(reply: FastifyReply, status: number, body: JsonRpcResponse): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(body));
}

/**
 * A stdio server's environment: what a program needs to run (the MCP SDK's default list: `PATH`, `HOME`, `USER`,
 * `SHELL`, `TERM`, `LOGNAME`), and the variables `gateway.childEnv` names. Never the whole of Latchkey's, which
 * holds its key-encryption key and database URL.
 */
async function childEnvironment(names: readonly string[]): Promise<Record<string, string>> {
  const { getDefaultEnvironment } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const env = getDefaultEnvironment();
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
