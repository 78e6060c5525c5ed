import replyFrom, {} from "@fastify/reply-from";
import { answerId, jsonRpcCodes, jsonRpcError } from "./json-rpc.js";
import { byteLimit, observeResponses } from "./response-observer.js";
const forwardedRequestHeaders = /* @__PURE__ */ new Set(["accept", "mcp-protocol-version", "last-event-id", "user-agent"]);
const droppedResponseHeaders = /^(set-cookie2?|access-control-.*|www-authenticate|proxy-authenticate|dpop-nonce|location|content-location|refresh|clear-site-data|strict-transport-security|alt-svc|mcp-session-id)$/i;
async function registerHttpUpstream(app, gateway, binding, publicHost) {
  const upstream = new URL(gateway.upstream);
  await app.register(replyFrom, {
    base: upstream.origin,
    disableRequestLogging: true,
    // The connections to the upstream close with the server.
    destroyAgent: true,
    // POST is not idempotent, and a GET stream's retry is the agent's to make (with Last-Event-ID).
    retryMethods: [],
    undici: {
      connections: 256,
      pipelining: 1,
      headersTimeout: gateway.timeoutSeconds * 1e3,
      bodyTimeout: gateway.idleTimeoutSeconds * 1e3,
      keepAliveTimeout: 3e4
    }
  });
  const open = /* @__PURE__ */ new Set();
  function forward(job) {
    const { request, reply, caller } = job;
    const refuse = (outgoing, status, message) => {
      for (const name of Object.keys(outgoing.getHeaders())) if (!/^access-control-/.test(name)) outgoing.removeHeader(name);
      void outgoing.code(status).header("content-type", "application/json").header("cache-control", "no-store").send(jsonRpcError(answerId(job.body), jsonRpcCodes.upstreamUnavailable, message));
    };
    open.add(reply);
    reply.raw.once("close", () => open.delete(reply));
    const search = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
    return reply.from(`${upstream.pathname}${upstream.search || (search ? `?${search}` : "")}`, {
      // The body was read as UTF-8 (JSON's only encoding, RFC 8259 §8.1): whatever charset the caller named, the
      // upstream is told that, so that it cannot read other characters (a UTF-7 `tools/call`) than the gateway did.
      ...job.rawBody === void 0 ? {} : { body: job.rawBody, contentType: "application/json" },
      rewriteRequestHeaders: (_request, headers) => upstreamRequestHeaders(headers, job, upstream.host, publicHost),
      rewriteHeaders: (headers) => agentResponseHeaders(headers, binding, caller),
      onResponse: (_request, outgoing, response) => {
        const status = outgoing.statusCode;
        if (status === 401 || status === 407 || status >= 300 && status < 400) {
          response.stream.destroy();
          request.log.warn({ status }, "gateway: the upstream answered with a challenge or a redirect, which the agent does not get");
          return void refuse(outgoing, 502, "The MCP server refused the gateway's request.");
        }
        const declared = Number(outgoing.getHeader("content-length"));
        if (declared > gateway.maxResponseBytes) {
          response.stream.destroy();
          request.log.warn({ maxBytes: gateway.maxResponseBytes, declared }, "gateway: the upstream answer was refused at gateway.maxResponseBytes");
          return void refuse(outgoing, 502, "The MCP server's answer is larger than the gateway relays.");
        }
        if (request.method !== "POST") {
          reply.raw.once("close", () => response.stream.destroy());
          return void outgoing.send(response.stream);
        }
        const limit = byteLimit(gateway.maxResponseBytes, () => request.log.warn({ maxBytes: gateway.maxResponseBytes }, "gateway: the upstream answer was cut at gateway.maxResponseBytes"));
        reply.raw.once("close", () => {
          response.stream.destroy();
          limit.destroy();
        });
        response.stream.once("error", (error) => limit.destroy(error));
        if (job.watchers.size === 0) return void outgoing.send(response.stream.pipe(limit));
        outgoing.removeHeader("content-length");
        const observer = observeResponses(String(outgoing.getHeader("content-type") ?? ""), job.watchers);
        limit.once("error", (error) => observer.destroy(error));
        reply.raw.once("close", () => observer.destroy());
        outgoing.send(response.stream.pipe(limit).pipe(observer));
      },
      onError: (outgoing, { error }) => {
        const status = upstreamFailureStatus(error);
        request.log.warn({ err: error, status }, "gateway: the upstream failed");
        refuse(outgoing, status, failureMessage(status));
      }
    });
  }
  return {
    forward,
    /** Ends every response still streaming (the server is shutting down): agents reconnect elsewhere. */
    abortAll() {
      for (const reply of open) reply.raw.destroy();
      open.clear();
    }
  };
}
function upstreamRequestHeaders(headers, job, host, publicHost) {
  const result = {};
  for (const [name, value] of Object.entries(headers)) if (forwardedRequestHeaders.has(name)) result[name] = value;
  for (const name of ["content-type", "content-length"]) if (headers[name] !== void 0) result[name] = headers[name];
  result.host = host;
  if (job.upstreamSessionId !== void 0) result["mcp-session-id"] = job.upstreamSessionId;
  result["x-latchkey-user"] = job.caller.userId;
  result["x-latchkey-client"] = job.caller.clientId;
  result["x-latchkey-scope"] = job.caller.scope;
  result["x-forwarded-for"] = job.request.ip;
  result["x-forwarded-proto"] = job.request.protocol;
  result["x-forwarded-host"] = publicHost;
  return result;
}
function agentResponseHeaders(headers, binding, caller) {
  const result = {};
  for (const [name, value] of Object.entries(headers)) if (!droppedResponseHeaders.test(name)) result[name] = value;
  const session = headers["mcp-session-id"];
  if (typeof session === "string" && session !== "") result["mcp-session-id"] = binding.bind(session, caller);
  return result;
}
function upstreamFailureStatus(error) {
  if (error.statusCode === 504 || error.statusCode === 503) return error.statusCode;
  const code = error.cause?.code;
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return 504;
  return 502;
}
function failureMessage(status) {
  if (status === 504) return "The MCP server did not answer in time.";
  if (status === 503) return "The MCP server is unavailable; try again later.";
  return "The MCP server cannot be reached.";
}
export {
  registerHttpUpstream
};
//# sourceMappingURL=http-upstream.js.map
