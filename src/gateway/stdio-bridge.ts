import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayRequest } from './gateway-request.js';
import { StdioSession } from './stdio-session.js';

/** Seconds a client refused for lack of sessions is told to wait (`Retry-After`): sessions free up on DELETE or idleness. */
const retryAfterSeconds = 5;

export interface StdioBridgeOptions {
  /** The MCP server to run, one process per session (`latchkey gateway -- <command> [args…]`). */
  command: string;
  args: readonly string[];
  cwd?: string;
  /**
   * The child's whole environment (the caller already chose it: never `process.env` wholesale, which holds
   * Latchkey's secrets). The bridge adds `LATCHKEY_USER_ID`, `LATCHKEY_CLIENT_ID` and `LATCHKEY_SCOPE`; the SDK adds
   * its short list of safe defaults (`HOME`, `LOGNAME`, `PATH`, `SHELL`, `TERM`, `USER`) under it.
   */
  env: Record<string, string>;
  /** Sessions (so child processes) at once; another `initialize` gets 503 with `Retry-After`. */
  maxSessions: number;
  /**
   * Sessions one user may hold at once (whatever the client); another `initialize` of theirs gets 429 with
   * `Retry-After`, so that no one user can take every session from the others.
   */
  maxSessionsPerUser: number;
  /** A session with no request and no message for this long is ended and its child stopped. */
  idleTimeoutMs: number;
  logger: Logger;
}

/** Puts an MCP server that speaks only stdio behind the gateway: one child process per MCP session. */
export interface StdioBridge {
  /** Handles one authenticated Streamable HTTP request (POST, GET or DELETE) and writes its whole response on `request.res`. */
  handle(request: GatewayRequest): Promise<void>;
  /** Sessions open now, those still starting included. */
  readonly sessions: number;
  /** Ends every session and resolves once every child has exited (SIGKILL after a short grace). */
  close(): Promise<void>;
}

/**
 * Bridges Streamable HTTP to stdio MCP servers. An `initialize` without `Mcp-Session-Id` spawns a child with the
 * caller's identity in its environment (the only way a stdio server can learn who is calling); every later request
 * names its session, which only the same user and client may use. Messages are relayed raw, with no SDK Client or
 * Server in between, so the bridge never needs to understand a method to pass it on.
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#streamable-http
 */
export function createStdioBridge(options: StdioBridgeOptions): StdioBridge {
  const sessions = new Map<string, StdioSession>();
  /** Every session whose child may still run: ended ones stay until their child has exited, for close() to wait on. */
  const live = new Set<StdioSession>();
  let starting = 0;
  /** Sessions being started, by user. */
  const startingFor = new Map<string, number>();
  /** Children being spawned: close() waits for them too. */
  const starts = new Set<Promise<StdioSession>>();
  let closing = false;
  const log = options.logger;

  async function startSession(request: GatewayRequest): Promise<void> {
    if (closing || sessions.size + starting >= options.maxSessions) {
      log.warn({ maxSessions: options.maxSessions, closing }, 'MCP session refused: no session available');
      writeJsonRpcError(request.res, 503, -32000, 'Too many MCP sessions are open; try again later.', { 'retry-after': String(retryAfterSeconds) });
      return;
    }
    const { userId, clientId, scope } = request.caller;
    const held = (startingFor.get(userId) ?? 0) + [...sessions.values()].filter((s) => s.owner.userId === userId).length;
    if (held >= options.maxSessionsPerUser) {
      log.warn({ userId, maxSessionsPerUser: options.maxSessionsPerUser }, 'MCP session refused: the user holds as many as they may');
      writeJsonRpcError(request.res, 429, -32029, `You have ${held} MCP sessions open, as many as one user may; end one (DELETE) or try again later.`, { 'retry-after': String(retryAfterSeconds) });
      return;
    }
    let session: StdioSession;
    starting += 1;
    startingFor.set(userId, (startingFor.get(userId) ?? 0) + 1);
    const spawning = StdioSession.start({
      id: randomUUID(),
      owner: { userId, clientId, scope },
      command: options.command,
      args: options.args,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { ...options.env, LATCHKEY_USER_ID: userId, LATCHKEY_CLIENT_ID: clientId, LATCHKEY_SCOPE: scope },
      idleTimeoutMs: options.idleTimeoutMs,
      logger: log,
      onEnding: (ending) => {
        if (sessions.get(ending.id) === ending) sessions.delete(ending.id);
      },
    });
    starts.add(spawning);
    try {
      session = await spawning;
    } catch (error) {
      log.error({ err: error, command: options.command }, 'The MCP server process could not be started');
      writeJsonRpcError(request.res, 502, -32000, 'The MCP server could not be started.');
      return;
    } finally {
      starting -= 1;
      const left = startingFor.get(userId)! - 1;
      if (left === 0) startingFor.delete(userId);
      else startingFor.set(userId, left);
      starts.delete(spawning);
    }
    live.add(session);
    void session.exited.then(() => live.delete(session));
    if (closing) {
      writeJsonRpcError(request.res, 503, -32000, 'The gateway is shutting down.', { 'retry-after': String(retryAfterSeconds) });
      await session.end('The gateway is shutting down.');
      return;
    }
    sessions.set(session.id, session);
    await session.handle(request);
    // The SDK refused the initialize request (a batch, a wrong Accept header): no session came of it.
    if (!session.initialized) await session.end('The MCP session was not initialized.');
  }

  return {
    async handle(request) {
      const sessionId = request.raw.headers['mcp-session-id'];
      if (typeof sessionId !== 'string') {
        if (request.raw.method === 'POST' && isInitializeRequest(request.body)) return startSession(request);
        writeJsonRpcError(request.res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
        return;
      }
      const session = sessions.get(sessionId);
      // One answer for "no such session" and "not yours", so that a caller cannot probe for other people's sessions.
      if (!session || !session.belongsTo(request.caller)) {
        writeJsonRpcError(request.res, 404, -32001, 'Session not found');
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
      await Promise.all([...live].map((session) => session.end('The gateway is shutting down.')));
    },
  };
}

function isInitializeRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize';
}

/** Writes a JSON-RPC error with no id, as the SDK's transport does for errors about the HTTP request itself. */
function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}
