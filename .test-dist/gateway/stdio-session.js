import { Readable } from "node:stream";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
const maxStderrLineBytes = 8 * 1024;
const maxRequestsInFlight = 256;
class StdioSession {
  constructor(options, child, childProcess) {
    this.options = options;
    this.child = child;
    this.id = options.id;
    this.owner = options.owner;
    this.pid = child.pid ?? void 0;
    this.log = options.logger.child({ session: this.id, pid: this.pid });
    this.http = new StreamableHTTPServerTransport({ sessionIdGenerator: () => this.id });
    this.http.onmessage = (message) => this.onClientMessage(message);
    this.http.onerror = (error) => this.log.debug({ err: error }, "MCP session transport error");
    this.http.onclose = () => void this.end("The MCP session was closed.");
    child.onmessage = (message) => this.onChildMessage(message);
    child.onerror = (error) => this.log.warn({ err: error }, "MCP server stdio error");
    this.exited = new Promise((resolve) => {
      const exit = (code, signal) => {
        resolve({ code, signal });
        this.onChildExit({ code, signal });
      };
      if (childProcess) childProcess.once("close", exit);
      else child.onclose = () => exit(null, null);
    });
    this.touch();
  }
  options;
  child;
  id;
  owner;
  /** Resolves once the child has exited. */
  exited;
  pid;
  http;
  pending = /* @__PURE__ */ new Map();
  progressRequests = /* @__PURE__ */ new Map();
  /** Watchers of the POST being handled, until its requests reach `onClientMessage`. */
  stagedWatchers = /* @__PURE__ */ new Map();
  idleTimer;
  ending;
  log;
  /** Spawns the child and resolves once it runs; rejects when it cannot be started (ENOENT, EACCES). */
  static async start(options) {
    const child = new StdioClientTransport({
      command: options.command,
      args: [...options.args],
      env: options.env,
      stderr: "pipe",
      ...options.cwd === void 0 ? {} : { cwd: options.cwd }
    });
    const stderr = child.stderr;
    const early = [];
    let logLine = (line) => {
      early.push(line);
    };
    if (stderr instanceof Readable) forEachLine(stderr, (line) => logLine(line));
    await child.start();
    const session = new StdioSession(options, child, childProcessOf(child));
    logLine = (line) => session.log.info({ line }, "MCP server stderr");
    for (const line of early) logLine(line);
    session.log.info({ command: options.command }, "MCP server process started");
    return session;
  }
  /** True when `caller` is the user and client that started the session. */
  belongsTo(caller) {
    return caller.userId === this.owner.userId && caller.clientId === this.owner.clientId;
  }
  /** True once the initialize request was accepted by the HTTP transport (it then has a session id). */
  get initialized() {
    return this.http.sessionId !== void 0;
  }
  /** Hands one HTTP request of this session to the SDK transport; resolves when its response is written. */
  async handle(request) {
    this.touch();
    const staged = [];
    for (const message of Array.isArray(request.body) ? request.body : [request.body]) {
      const id = isRecord(message) && typeof message["method"] === "string" ? message["id"] : void 0;
      const watcher = typeof id === "string" || typeof id === "number" ? request.watchers.get(id) : void 0;
      if (watcher && (typeof id === "string" || typeof id === "number")) {
        this.stagedWatchers.set(id, watcher);
        staged.push(id);
      }
    }
    try {
      await this.http.handleRequest(request.raw, request.res, request.body);
    } finally {
      for (const id of staged) this.stagedWatchers.delete(id);
    }
  }
  /**
   * Ends the session once: answers every pending request with `reason`, ends its streams and stops the child
   * (the SDK's close: stdin ended, SIGTERM after 2 s, SIGKILL after 2 s more). Resolves when the child has exited.
   */
  end(reason) {
    if (this.ending) return this.ending;
    clearTimeout(this.idleTimer);
    this.options.onEnding(this);
    this.ending = Promise.resolve().then(() => this.stop(reason));
    return this.ending;
  }
  /** The steps of {@link end}; `this.ending` is set before the first runs, since closing the transport calls `end` again. */
  async stop(reason) {
    for (const id of [...this.pending.keys()]) await this.answer(id, { code: -32e3, message: reason });
    this.progressRequests.clear();
    await this.http.close();
    await this.child.close();
    await this.exited;
  }
  onClientMessage(message) {
    this.touch();
    if ("method" in message && "id" in message) {
      if (this.pending.size >= maxRequestsInFlight) {
        void this.relayToClient({ jsonrpc: "2.0", id: message.id, error: { code: -32e3, message: `Too many requests in flight on this session (${maxRequestsInFlight}).` } });
        return;
      }
      const progressToken = message.params?._meta?.progressToken;
      const watcher = this.stagedWatchers.get(message.id);
      this.stagedWatchers.delete(message.id);
      this.pending.set(message.id, { ...progressToken === void 0 ? {} : { progressToken }, ...watcher ? { watcher } : {} });
      if (progressToken !== void 0) this.progressRequests.set(progressToken, message.id);
    }
    this.child.send(message).catch((error) => this.log.debug({ err: error }, "Could not write to the MCP server process"));
    if ("method" in message && !("id" in message) && message.method === "notifications/cancelled") {
      const requestId = message.params?.["requestId"];
      if ((typeof requestId === "string" || typeof requestId === "number") && this.pending.has(requestId)) {
        void this.answer(requestId, { code: -32800, message: "Request cancelled" });
      }
    }
  }
  onChildMessage(message) {
    this.touch();
    if (!("method" in message)) {
      if (message.id === void 0) {
        this.log.warn({ message }, "MCP server sent an error about no request");
        return;
      }
      const request = this.pending.get(message.id);
      if (!request) {
        this.log.debug({ id: message.id }, "MCP server answered a request that is no longer pending");
        return;
      }
      this.forget(message.id, request);
      void this.relayToClient(watched(message, request.watcher, this.log));
      return;
    }
    if (!("id" in message) && message.method === "notifications/progress") {
      const token = message.params?.["progressToken"];
      const related = typeof token === "string" || typeof token === "number" ? this.progressRequests.get(token) : void 0;
      if (related !== void 0) {
        void this.relayToClient(message, related);
        return;
      }
    }
    void this.relayToClient(message);
  }
  onChildExit(exit) {
    if (this.ending) {
      this.log.debug(exit, "MCP server process exited");
      return;
    }
    this.log.warn(exit, "MCP server process exited; its session is ended");
    const how = exit.code !== null ? `code ${exit.code}` : exit.signal !== null ? `signal ${exit.signal}` : "unknown status";
    void this.end(`The MCP server process exited (${how}); start a new session.`);
  }
  /** Answers a pending request with an error (the child will not, or not in time). */
  async answer(id, error) {
    const request = this.pending.get(id);
    if (request) this.forget(id, request);
    await this.relayToClient({ jsonrpc: "2.0", id, error });
  }
  forget(id, request) {
    this.pending.delete(id);
    if (request.progressToken !== void 0) this.progressRequests.delete(request.progressToken);
  }
  async relayToClient(message, relatedRequestId) {
    try {
      await this.http.send(message, relatedRequestId === void 0 ? void 0 : { relatedRequestId });
    } catch (error) {
      this.log.debug({ err: error }, "Could not relay a message to the MCP client");
    }
  }
  /** Restarts the idle timer: a request or a message in either direction shows the session is in use. */
  touch() {
    if (this.ending) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.log.info({ idleTimeoutMs: this.options.idleTimeoutMs }, "MCP session idle; ending it");
      void this.end("The MCP session was idle for too long; start a new session.");
    }, this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }
}
function watched(response, watcher, log) {
  if (!watcher || !("id" in response)) return response;
  try {
    const replacement = watcher(response);
    return replacement ? replacement : response;
  } catch (error) {
    log.error({ err: error }, "A gateway response watcher failed");
    return { jsonrpc: "2.0", id: response.id, error: { code: -32603, message: "Internal error" } };
  }
}
function childProcessOf(transport) {
  const candidate = transport._process;
  return candidate !== null && typeof candidate === "object" && "once" in candidate ? candidate : void 0;
}
function forEachLine(stream, onLine) {
  let buffered = [];
  let size = 0;
  let skipping = false;
  const emit = (parts) => onLine(Buffer.concat(parts).subarray(0, maxStderrLineBytes).toString("utf8").replace(/\r$/, ""));
  stream.on("data", (chunk) => {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      if (!skipping) emit([...buffered, chunk.subarray(start, newline)]);
      buffered = [];
      size = 0;
      skipping = false;
      start = newline + 1;
    }
    if (skipping || start === chunk.length) return;
    buffered.push(chunk.subarray(start));
    size += chunk.length - start;
    if (size >= maxStderrLineBytes) {
      emit(buffered);
      buffered = [];
      size = 0;
      skipping = true;
    }
  });
  stream.on("end", () => {
    if (!skipping && size > 0) emit(buffered);
  });
}
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
export {
  StdioSession,
  maxRequestsInFlight
};
//# sourceMappingURL=stdio-session.js.map
