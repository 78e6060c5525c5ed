import { randomUUID } from "node:crypto";
import { StdioSession } from "./stdio-session.js";
const retryAfterSeconds = 5;
function createStdioBridge(options) {
  const sessions = /* @__PURE__ */ new Map();
  const live = /* @__PURE__ */ new Set();
  let starting = 0;
  const startingFor = /* @__PURE__ */ new Map();
  const starts = /* @__PURE__ */ new Set();
  let closing = false;
  const log = options.logger;
  async function startSession(request) {
    if (closing || sessions.size + starting >= options.maxSessions) {
      log.warn({ maxSessions: options.maxSessions, closing }, "MCP session refused: no session available");
      writeJsonRpcError(request.res, 503, -32e3, "Too many MCP sessions are open; try again later.", { "retry-after": String(retryAfterSeconds) });
      return;
    }
    const { userId, clientId, scope } = request.caller;
    const held = (startingFor.get(userId) ?? 0) + [...sessions.values()].filter((s) => s.owner.userId === userId).length;
    if (held >= options.maxSessionsPerUser) {
      log.warn({ userId, maxSessionsPerUser: options.maxSessionsPerUser }, "MCP session refused: the user holds as many as they may");
      writeJsonRpcError(request.res, 429, -32029, `You have ${held} MCP sessions open, as many as one user may; end one (DELETE) or try again later.`, { "retry-after": String(retryAfterSeconds) });
      return;
    }
    let session;
    starting += 1;
    startingFor.set(userId, (startingFor.get(userId) ?? 0) + 1);
    const spawning = StdioSession.start({
      id: randomUUID(),
      owner: { userId, clientId, scope },
      command: options.command,
      args: options.args,
      ...options.cwd === void 0 ? {} : { cwd: options.cwd },
      env: { ...options.env, LATCHKEY_USER_ID: userId, LATCHKEY_CLIENT_ID: clientId, LATCHKEY_SCOPE: scope },
      idleTimeoutMs: options.idleTimeoutMs,
      logger: log,
      onEnding: (ending) => {
        if (sessions.get(ending.id) === ending) sessions.delete(ending.id);
      }
    });
    starts.add(spawning);
    try {
      session = await spawning;
    } catch (error) {
      log.error({ err: error, command: options.command }, "The MCP server process could not be started");
      writeJsonRpcError(request.res, 502, -32e3, "The MCP server could not be started.");
      return;
    } finally {
      starting -= 1;
      const left = startingFor.get(userId) - 1;
      if (left === 0) startingFor.delete(userId);
      else startingFor.set(userId, left);
      starts.delete(spawning);
    }
    live.add(session);
    void session.exited.then(() => live.delete(session));
    if (closing) {
      writeJsonRpcError(request.res, 503, -32e3, "The gateway is shutting down.", { "retry-after": String(retryAfterSeconds) });
      await session.end("The gateway is shutting down.");
      return;
    }
    sessions.set(session.id, session);
    await session.handle(request);
    if (!session.initialized) await session.end("The MCP session was not initialized.");
  }
  return {
    async handle(request) {
      const sessionId = request.raw.headers["mcp-session-id"];
      if (typeof sessionId !== "string") {
        if (request.raw.method === "POST" && isInitializeRequest(request.body)) return startSession(request);
        writeJsonRpcError(request.res, 400, -32e3, "Bad Request: Mcp-Session-Id header is required");
        return;
      }
      const session = sessions.get(sessionId);
      if (!session || !session.belongsTo(request.caller)) {
        writeJsonRpcError(request.res, 404, -32001, "Session not found");
        return;
      }
      await session.handle(request);
    },
    get sessions() {
      return sessions.size + starting;
    },
    async close() {
      closing = true;
      await Promise.allSettled([...starts]);
      await Promise.all([...live].map((session) => session.end("The gateway is shutting down.")));
    }
  };
}
function isInitializeRequest(body) {
  return typeof body === "object" && body !== null && body.method === "initialize";
}
function writeJsonRpcError(res, status, code, message, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } }));
}
export {
  createStdioBridge
};
//# sourceMappingURL=stdio-bridge.js.map
