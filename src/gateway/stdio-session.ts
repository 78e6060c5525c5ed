import type { ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { GatewayCaller, GatewayRequest, JsonRpcResponse, ResponseWatcher } from './gateway-request.js';

/** A stderr line longer than this is cut (and the rest of it dropped), so a child cannot grow one log line without bound. */
const maxStderrLineBytes = 8 * 1024;

/** Requests of one session waiting for the child's answer; past this, a request is answered with an error at once. */
export const maxRequestsInFlight = 256;

/** How the child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StdioSessionOptions {
  id: string;
  owner: GatewayCaller;
  command: string;
  args: readonly string[];
  cwd?: string;
  /** The child's environment, the caller's identity included. */
  env: Record<string, string>;
  idleTimeoutMs: number;
  logger: Logger;
  /** Called once, when the session starts ending: the bridge forgets it, so that its id is a 404 from then on. */
  onEnding(session: StdioSession): void;
}

/** A client request the child has not answered yet. */
interface PendingRequest {
  progressToken?: string | number;
  watcher?: ResponseWatcher;
}

/**
 * One MCP session of the stdio bridge: the Streamable HTTP side (the SDK's server transport, one per session, which
 * owns the SSE streams) and one child process (the SDK's stdio client transport). Messages are relayed as they are;
 * only responses and progress notifications are steered onto the stream of the request they belong to, since a
 * stdio server cannot say which HTTP request a message is for.
 */
export class StdioSession {
  readonly id: string;
  readonly owner: GatewayCaller;
  /** Resolves once the child has exited. */
  readonly exited: Promise<ChildExit>;
  readonly pid: number | undefined;
  private readonly http: StreamableHTTPServerTransport;
  private readonly pending = new Map<RequestId, PendingRequest>();
  private readonly progressRequests = new Map<string | number, RequestId>();
  /** Watchers of the POST being handled, until its requests reach `onClientMessage`. */
  private readonly stagedWatchers = new Map<RequestId, ResponseWatcher>();
  private idleTimer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private readonly log: Logger;

  private constructor(
    private readonly options: StdioSessionOptions,
    private readonly child: StdioClientTransport,
    childProcess: ChildProcess | undefined,
  ) {
    this.id = options.id;
    this.owner = options.owner;
    this.pid = child.pid ?? undefined;
    this.log = options.logger.child({ session: this.id, pid: this.pid });
    this.http = new StreamableHTTPServerTransport({ sessionIdGenerator: () => this.id });
    this.http.onmessage = (message) => this.onClientMessage(message);
    this.http.onerror = (error) => this.log.debug({ err: error }, 'MCP session transport error');
    // A DELETE closes the HTTP transport itself; the child must follow.
    this.http.onclose = () => void this.end('The MCP session was closed.');
    child.onmessage = (message) => this.onChildMessage(message);
    child.onerror = (error) => this.log.warn({ err: error }, 'MCP server stdio error');
    this.exited = new Promise<ChildExit>((resolve) => {
      const exit = (code: number | null, signal: NodeJS.Signals | null) => {
        resolve({ code, signal });
        this.onChildExit({ code, signal });
      };
      // 'close' comes after the child's stdout is drained, so a last response is relayed before the session ends.
      if (childProcess) childProcess.once('close', exit);
      else child.onclose = () => exit(null, null);
    });
    this.touch();
  }

  /** Spawns the child and resolves once it runs; rejects when it cannot be started (ENOENT, EACCES). */
  static async start(options: StdioSessionOptions): Promise<StdioSession> {
    const child = new StdioClientTransport({
      command: options.command,
      args: [...options.args],
      env: options.env,
      stderr: 'pipe',
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const stderr = child.stderr;
    // Lines written before the session (and its logger, which names the pid) exists wait here.
    const early: string[] = [];
    let logLine = (line: string): void => {
      early.push(line);
    };
    if (stderr instanceof Readable) forEachLine(stderr, (line) => logLine(line));
    await child.start();
    const session = new StdioSession(options, child, childProcessOf(child));
    logLine = (line) => session.log.info({ line }, 'MCP server stderr');
    for (const line of early) logLine(line);
    session.log.info({ command: options.command }, 'MCP server process started');
    return session;
  }

  /** True when `caller` is the user and client that started the session. */
  belongsTo(caller: GatewayCaller): boolean {
    return caller.userId === this.owner.userId && caller.clientId === this.owner.clientId;
  }

  /** True once the initialize request was accepted by the HTTP transport (it then has a session id). */
  get initialized(): boolean {
    return this.http.sessionId !== undefined;
  }

  /** Hands one HTTP request of this session to the SDK transport; resolves when its response is written. */
  async handle(request: GatewayRequest): Promise<void> {
    this.touch();
    const staged: RequestId[] = [];
    for (const message of Array.isArray(request.body) ? request.body : [request.body]) {
      const id = isRecord(message) && typeof message['method'] === 'string' ? message['id'] : undefined;
      const watcher = typeof id === 'string' || typeof id === 'number' ? request.watchers.get(id) : undefined;
      if (watcher && (typeof id === 'string' || typeof id === 'number')) {
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
  end(reason: string): Promise<void> {
    if (this.ending) return this.ending;
    clearTimeout(this.idleTimer);
    this.options.onEnding(this);
    this.ending = Promise.resolve().then(() => this.stop(reason));
    return this.ending;
  }

  /** The steps of {@link end}; `this.ending` is set before the first runs, since closing the transport calls `end` again. */
  private async stop(reason: string): Promise<void> {
    for (const id of [...this.pending.keys()]) await this.answer(id, { code: -32000, message: reason });
    this.progressRequests.clear();
    await this.http.close();
    await this.child.close();
    await this.exited;
  }

  private onClientMessage(message: JSONRPCMessage): void {
    this.touch();
    if ('method' in message && 'id' in message) {
      if (this.pending.size >= maxRequestsInFlight) {
        void this.relayToClient({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: `Too many requests in flight on this session (${maxRequestsInFlight}).` } });
        return;
      }
      const progressToken = message.params?._meta?.progressToken;
      const watcher = this.stagedWatchers.get(message.id);
      this.stagedWatchers.delete(message.id);
      this.pending.set(message.id, { ...(progressToken === undefined ? {} : { progressToken }), ...(watcher ? { watcher } : {}) });
      if (progressToken !== undefined) this.progressRequests.set(progressToken, message.id);
    }
    this.child.send(message).catch((error: unknown) => this.log.debug({ err: error }, 'Could not write to the MCP server process'));
    // A cancelled request gets no answer from a conforming server (MCP: "Cancellation"); answering it here ends
    // its POST stream, which the client ignores, instead of leaving it open for the life of the session.
    if ('method' in message && !('id' in message) && message.method === 'notifications/cancelled') {
      const requestId = message.params?.['requestId'];
      if ((typeof requestId === 'string' || typeof requestId === 'number') && this.pending.has(requestId)) {
        void this.answer(requestId, { code: -32800, message: 'Request cancelled' });
      }
    }
  }

  private onChildMessage(message: JSONRPCMessage): void {
    this.touch();
    if (!('method' in message)) {
      if (message.id === undefined) {
        this.log.warn({ message }, 'MCP server sent an error about no request');
        return;
      }
      const request = this.pending.get(message.id);
      if (!request) {
        this.log.debug({ id: message.id }, 'MCP server answered a request that is no longer pending');
        return;
      }
      this.forget(message.id, request);
      void this.relayToClient(watched(message, request.watcher, this.log));
      return;
    }
    if (!('id' in message) && message.method === 'notifications/progress') {
      const token = message.params?.['progressToken'];
      const related = typeof token === 'string' || typeof token === 'number' ? this.progressRequests.get(token) : undefined;
      if (related !== undefined) {
        void this.relayToClient(message, related);
        return;
      }
    }
    // Other notifications and the server's own requests: the session's GET stream.
    void this.relayToClient(message);
  }

  private onChildExit(exit: ChildExit): void {
    if (this.ending) {
      this.log.debug(exit, 'MCP server process exited');
      return;
    }
    this.log.warn(exit, 'MCP server process exited; its session is ended');
    const how = exit.code !== null ? `code ${exit.code}` : exit.signal !== null ? `signal ${exit.signal}` : 'unknown status';
    void this.end(`The MCP server process exited (${how}); start a new session.`);
  }

  /** Answers a pending request with an error (the child will not, or not in time). */
  private async answer(id: RequestId, error: { code: number; message: string }): Promise<void> {
    const request = this.pending.get(id);
    if (request) this.forget(id, request);
    await this.relayToClient({ jsonrpc: '2.0', id, error });
  }

  private forget(id: RequestId, request: PendingRequest): void {
    this.pending.delete(id);
    if (request.progressToken !== undefined) this.progressRequests.delete(request.progressToken);
  }

  private async relayToClient(message: JSONRPCMessage, relatedRequestId?: RequestId): Promise<void> {
    try {
      await this.http.send(message, relatedRequestId === undefined ? undefined : { relatedRequestId });
    } catch (error) {
      // The client went away (its stream is closed): nothing to deliver to.
      this.log.debug({ err: error }, 'Could not relay a message to the MCP client');
    }
  }

  /** Restarts the idle timer: a request or a message in either direction shows the session is in use. */
  private touch(): void {
    if (this.ending) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.log.info({ idleTimeoutMs: this.options.idleTimeoutMs }, 'MCP session idle; ending it');
      void this.end('The MCP session was idle for too long; start a new session.');
    }, this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }
}

/** The watcher's replacement for a response, or the response itself; an error if the watcher throws. */
function watched(response: JSONRPCMessage, watcher: ResponseWatcher | undefined, log: Logger): JSONRPCMessage {
  if (!watcher || !('id' in response)) return response;
  try {
    // The SDK's result and error responses are JsonRpcResponse's two shapes (it only widens `id` to null).
    const replacement = watcher(response as JsonRpcResponse);
    return replacement ? (replacement as JSONRPCMessage) : response;
  } catch (error) {
    log.error({ err: error }, 'A gateway response watcher failed');
    return { jsonrpc: '2.0', id: response.id, error: { code: -32603, message: 'Internal error' } };
  }
}

/**
 * The child process behind the SDK's stdio transport: its exit code and signal are not part of the transport's API
 * (`onclose` carries neither), and the crash message names them. SDK 1.32 keeps it in `_process`.
 */
function childProcessOf(transport: StdioClientTransport): ChildProcess | undefined {
  const candidate = (transport as unknown as { _process?: unknown })._process;
  return candidate !== null && typeof candidate === 'object' && 'once' in candidate ? (candidate as ChildProcess) : undefined;
}

/** Calls `onLine` with each line of `stream`, each cut at {@link maxStderrLineBytes}. */
function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let buffered: Buffer[] = [];
  let size = 0;
  let skipping = false;
  const emit = (parts: Buffer[]) => onLine(Buffer.concat(parts).subarray(0, maxStderrLineBytes).toString('utf8').replace(/\r$/, ''));
  stream.on('data', (chunk: Buffer) => {
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
  stream.on('end', () => {
    if (!skipping && size > 0) emit(buffered);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
