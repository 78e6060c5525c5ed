import { gatewayResourceUri, gatewayScopes } from "../config/gateway.js";
import { allowAnyOrigin } from "../http/cors.js";
import { createResourceServer } from "../resource-server/create-resource-server.js";
import { authenticate } from "../resource-server/authenticate.js";
import { authorizationHeaders, nodeDpopRequest } from "../resource-server/express.js";
import { ResourceServerError } from "../resource-server/resource-server-error.js";
import { registerHttpUpstream } from "./http-upstream.js";
import { answerId, jsonRpcCodes, jsonRpcError, messagesOf, requestsOf } from "./json-rpc.js";
import { createRevocationCheck } from "./revocation-check.js";
import { createSessionBinding } from "./session-binding.js";
import { recordToolCall, toolName, watchToolRequests } from "./tool-call-watchers.js";
import { createToolScopes } from "./tool-scopes.js";
import { createVerifiedTokens } from "./verified-tokens.js";
async function gatewayPlugin(app, services) {
  const { config } = services;
  const gateway = config.gateway;
  const base = new URL(config.issuer).pathname.replace(/\/+$/, "");
  const path = `${base}${gateway.path}`;
  const server = createResourceServer({
    issuer: config.issuer,
    resource: gatewayResourceUri(config.issuer, gateway.path),
    keys: services.keys.keyResolver,
    requiredScopes: gateway.scopes,
    scopesSupported: gatewayScopes(gateway),
    resourceName: gateway.resourceName,
    clock: services.clock
  });
  const toolScopes = createToolScopes(gateway);
  const context = {
    gateway,
    toolScopes,
    audit: services.audit,
    metrics: services.metrics,
    knownTools: /* @__PURE__ */ new Set(),
    now: () => services.clock.now()
  };
  const binding = createSessionBinding(services.gatewaySecret);
  const verified = createVerifiedTokens();
  const stillActive = createRevocationCheck(services.storage, services.clock, gateway.revocationCacheSeconds * 1e3);
  const http = gateway.upstream === null ? void 0 : await registerHttpUpstream(app, { ...gateway, upstream: gateway.upstream }, binding, new URL(config.issuer).host);
  const stdio = gateway.command.length === 0 ? void 0 : (await import("./stdio-bridge.js")).createStdioBridge({
    command: gateway.command[0],
    args: gateway.command.slice(1),
    env: await childEnvironment(gateway.childEnv),
    maxSessions: gateway.maxSessions,
    maxSessionsPerUser: gateway.maxSessionsPerUser,
    idleTimeoutMs: gateway.sessionIdleSeconds * 1e3,
    logger: services.logger
  });
  app.addHook("preClose", async () => {
    http?.abortAll();
    await stdio?.close();
  });
  const addPreflights = allowAnyOrigin(app, {
    methods: ["GET", "POST", "DELETE"],
    allowedHeaders: ["Content-Type", "Authorization", "DPoP", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID", "Accept"],
    exposedHeaders: ["Mcp-Session-Id", "WWW-Authenticate", "DPoP-Nonce"],
    maxAgeSeconds: 86400
  });
  app.get(server.metadataPath, async (_request, reply) => sendReply(reply, server.metadataReply()));
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(["application/json"], { parseAs: "string", bodyLimit: gateway.maxRequestBytes }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => {
    const status = error.statusCode !== void 0 && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, "gateway: unexpected failure");
    const message = status === 413 ? `The request body is larger than ${gateway.maxRequestBytes} bytes.` : status === 415 ? "The request body must be application/json." : status === 500 ? "The gateway failed." : "The request is not valid.";
    return sendJsonRpcError(reply, status, jsonRpcError(null, status === 500 ? jsonRpcCodes.internalError : jsonRpcCodes.invalidRequest, message));
  });
  async function handle(request, reply) {
    const startedAt = services.clock.now();
    const authorization = authorizationHeaders(request.raw);
    let auth = authorization?.length === 1 ? verified.lookup(authorization[0], startedAt) : void 0;
    if (auth === void 0) {
      const outcome = await authenticate(server, authorization, { dpop: nodeDpopRequest(server, request.raw) });
      if (outcome.refusal) return sendReply(reply, outcome.refusal);
      auth = outcome.auth;
      verified.remember(auth);
    }
    if (!await stillActive(auth.extra.claims)) {
      return sendReply(reply, server.refusal(new ResourceServerError("invalid_token", "The access token was revoked.", gateway.scopes)));
    }
    const caller = { userId: auth.extra.sub, clientId: auth.clientId, scope: auth.scopes.join(" ") };
    const granted = new Set(auth.scopes);
    const rawBody = request.method === "POST" ? request.body ?? "" : void 0;
    let body;
    let requests = [];
    if (rawBody !== void 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return sendJsonRpcError(reply, 400, jsonRpcError(null, jsonRpcCodes.parseError, "The body is not JSON."));
      }
      const messages = messagesOf(body);
      if (!messages) return sendJsonRpcError(reply, 400, jsonRpcError(null, jsonRpcCodes.invalidRequest, "The body is not a JSON-RPC message."));
      requests = requestsOf(messages);
    }
    const toolCalls = requests.filter((r) => r.method === "tools/call");
    const limited = await rateLimit(caller);
    if (limited !== void 0) {
      for (const call of toolCalls) recordToolCall(context, { request: call, caller, ip: request.ip, startedAt }, "rate_limited");
      reply.header("retry-after", String(limited));
      return sendJsonRpcError(reply, 429, jsonRpcError(answerId(body), jsonRpcCodes.rateLimited, `Too many requests; try again in ${limited} s.`));
    }
    for (const call of toolCalls) {
      const name = call.params?.["name"];
      const fullName = typeof name === "string" ? name : "";
      const tool = toolName(call);
      const missing = toolScopes.missingFor(fullName, granted);
      if (missing.length === 0) continue;
      recordToolCall(context, { request: call, caller, ip: request.ip, startedAt }, "refused", { missing_scope: missing.join(" ") });
      return sendReply(reply, server.refusal(new ResourceServerError("insufficient_scope", `The tool ${tool} needs the scope ${missing.join(" ")}.`, toolScopes.scopesFor(fullName))));
    }
    const answered = /* @__PURE__ */ new Set();
    const watchers = watchToolRequests(context, requests, { caller, ip: request.ip, granted, startedAt }, answered);
    if (toolCalls.length > 0) {
      reply.raw.once("close", () => {
        const failed = reply.raw.statusCode >= 502 ? "upstream_failed" : "no_response";
        for (const call of toolCalls) if (!answered.has(call.id)) recordToolCall(context, { request: call, caller, ip: request.ip, startedAt }, failed);
      });
    }
    if (stdio) {
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== void 0) reply.raw.setHeader(name, value);
      reply.hijack();
      reply.raw.once("close", () => {
        const seconds = (services.clock.now() - startedAt) / 1e3;
        request.log.info({ req: request, res: { statusCode: reply.raw.statusCode }, responseTime: seconds * 1e3 }, "request completed");
        services.metrics?.observeRequest(path, request.method, reply.raw.statusCode, seconds);
      });
      stdio.handle({ raw: request.raw, res: reply.raw, body, caller, watchers }).catch((error) => {
        request.log.error({ err: error }, "gateway: the stdio bridge failed");
        if (!reply.raw.headersSent) sendRaw(reply, 500, jsonRpcError(answerId(body), jsonRpcCodes.internalError, "The gateway failed."));
        else reply.raw.destroy();
      });
      return reply;
    }
    const presented = request.headers["mcp-session-id"];
    let upstreamSessionId;
    if (presented !== void 0) {
      upstreamSessionId = typeof presented === "string" ? binding.unbind(presented, caller) : void 0;
      if (upstreamSessionId === void 0) return sendJsonRpcError(reply, 404, jsonRpcError(answerId(body), jsonRpcCodes.sessionNotFound, "Session not found"));
    }
    return http.forward({ request, reply, caller, rawBody, body, upstreamSessionId, watchers });
  }
  async function rateLimit(caller) {
    const [user, client] = await Promise.all([services.limiters.gatewayUser.consume(caller.userId), services.limiters.gatewayClient.consume(caller.clientId)]);
    if (!user.allowed) return user.retryAfterSeconds;
    if (!client.allowed) return client.retryAfterSeconds;
    return void 0;
  }
  app.route({ method: ["POST", "GET", "DELETE"], url: path, bodyLimit: gateway.maxRequestBytes, handler: handle });
  await addPreflights();
}
function sendReply(reply, answer) {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
function sendRaw(reply, status, body) {
  reply.raw.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}
function sendJsonRpcError(reply, status, body) {
  return reply.code(status).header("content-type", "application/json").header("cache-control", "no-store").send(JSON.stringify(body));
}
async function childEnvironment(names) {
  const { getDefaultEnvironment } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  const env = getDefaultEnvironment();
  for (const name of names) {
    const value = process.env[name];
    if (value !== void 0) env[name] = value;
  }
  return env;
}
export {
  gatewayPlugin
};
//# sourceMappingURL=gateway-plugin.js.map
