import Fastify, {} from "fastify";
import { gatewayEnabled } from "../config/gateway.js";
import { trustedProxy } from "../config/trust-proxy.js";
import { OAuthError } from "../errors/oauth-error.js";
import { instrumentApp } from "../observability/http-metrics.js";
import { requestIdGenerator } from "../observability/request-id.js";
import { latchkeyPlugin } from "./plugin.js";
import { renderError } from "./render-error.js";
const bodyLimit = 64 * 1024;
function answerMalformedRequest(error, socket) {
  if (error.code === "ECONNRESET" || !socket.writable) return;
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const body = JSON.stringify({
    error: "invalid_request",
    error_description: tooLarge ? "The request headers are too large." : "The request is not well-formed HTTP."
  });
  socket.end(
    `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r
Content-Type: application/json; charset=utf-8\r
Cache-Control: no-store\r
Connection: close\r
Content-Length: ${Buffer.byteLength(body)}\r
\r
${body}`
  );
}
function answerUnroutableUrl(error, request, reply) {
  const answer = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? new OAuthError("not_found") : new OAuthError("invalid_request", error.code === "FST_ERR_BAD_URL" ? "the URL is not well-formed" : void 0, { cause: error });
  renderError(request, reply, answer);
}
async function buildApp(services, options = {}) {
  const { config, storage, metrics } = services;
  const trusted = trustedProxy(config.trustProxy);
  const app = Fastify({
    loggerInstance: services.logger,
    trustProxy: typeof config.trustProxy === "boolean" ? config.trustProxy : (address) => trusted(address),
    bodyLimit,
    genReqId: requestIdGenerator(trusted),
    return503OnClosing: true,
    // One line per request, when it is answered (below), rather than Fastify's two.
    disableRequestLogging: true,
    clientErrorHandler: answerMalformedRequest,
    frameworkErrors: answerUnroutableUrl
  });
  const shutdown = drainOnClose(app);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-content-type-options", "nosniff").header("x-request-id", request.id);
    if (shutdown.closing) reply.header("connection", "close");
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info({ req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, "request completed");
  });
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
  app.setNotFoundHandler((request, reply) => renderError(request, reply, new OAuthError("not_found")));
  if (metrics) instrumentApp(app, config, metrics);
  app.get("/healthz", { logLevel: "warn" }, async () => ({ status: "ok" }));
  app.get("/readyz", { logLevel: "warn" }, async (request, reply) => {
    const reachable = await storage.ping();
    const writable = reachable && await storage.writable();
    if (!reachable) request.log.warn("not ready: the database cannot be reached");
    else if (!writable) request.log.warn("not ready: the database refuses writes (a full disk, a read-only database?)");
    return reply.code(writable ? 200 : 503).header("cache-control", "no-store").send({ status: writable ? "ready" : "not ready", database: !reachable ? "unavailable" : writable ? "ok" : "not writable" });
  });
  await app.register(async (latchkey) => {
    if (options.routes) latchkey.addHook("onRoute", (route) => void options.routes?.push(route.url));
    await latchkey.register(latchkeyPlugin, { services });
  });
  if (gatewayEnabled(config.gateway)) {
    const { gatewayPlugin } = await import("../gateway/gateway-plugin.js");
    await app.register(async (gateway) => gatewayPlugin(gateway, services));
  }
  return app;
}
const closingIdleMs = 1e3;
function drainOnClose(app) {
  const state = { closing: false };
  const sockets = /* @__PURE__ */ new Set();
  let silencing = false;
  app.server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    if (silencing) socket.setTimeout(closingIdleMs);
  });
  const closeSilentConnections = () => {
    silencing = true;
    for (const socket of sockets) socket.setTimeout(closingIdleMs);
  };
  let running = 0;
  let drained;
  const finished = () => {
    if (--running > 0 || drained === void 0) return;
    const done = drained;
    drained = void 0;
    closeSilentConnections();
    done();
  };
  app.addHook("onRoute", (route) => {
    const handler = route.handler;
    route.handler = function(request, reply) {
      const result = handler.call(this, request, reply);
      if (result instanceof Promise) {
        running++;
        result.then(finished, finished);
      }
      return result;
    };
  });
  app.addHook("preClose", (done) => {
    state.closing = true;
    if (running === 0) {
      closeSilentConnections();
      return done();
    }
    app.log.info({ requests: running }, "waiting for requests in flight to finish");
    drained = done;
  });
  return state;
}
export {
  bodyLimit,
  buildApp
};
//# sourceMappingURL=app.js.map
