import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/gateway.js';
import type { GatewayCaller, ResponseWatcher } from './gateway-request.js';
import { answerId, jsonRpcCodes, jsonRpcError } from './json-rpc.js';
import { byteLimit, observeResponses } from './response-observer.js';
import type { SessionBinding } from './session-binding.js';

/** One request to forward: what the gateway checked and decided before. */
export interface Forward {
  request: FastifyRequest;
  reply: FastifyReply;
  caller: GatewayCaller;
  /** The POST body exactly as the agent sent it; undefined for GET and DELETE. */
  rawBody: string | undefined;
  /** Its parsed value, for the id of an error answer. */
  body: unknown;
  /** The upstream's session id (unbound from the agent's), when the request names a session. */
  upstreamSessionId: string | undefined;
  watchers: ReadonlyMap<string | number, ResponseWatcher>;
}

/** Request headers never forwarded: the caller's credentials and cookies (the token was for the gateway, not the
 * upstream: MCP forbids passing it through), and what only the gateway may say about the caller. */
const droppedRequestHeaders = /^(authorization|dpop|cookie|proxy-authorization|forwarded|x-forwarded-.*|x-real-ip|x-latchkey-.*)$/i;
/** Response headers never relayed: cookies on Latchkey's origin, and CORS, which the gateway answers itself. */
const droppedResponseHeaders = /^(set-cookie|set-cookie2|access-control-.*)$/i;

/**
 * The HTTP upstream (`gateway.upstream`): requests are forwarded with @fastify/reply-from (undici), responses
 * stream back as they come (SSE is never buffered), bounded by `gateway.maxResponseBytes` and the timeouts. The
 * identity headers are set after every copy the caller sent was removed; the upstream's session ids reach the
 * agent bound to its user and client (session-binding.ts).
 */
export async function registerHttpUpstream(
  app: FastifyInstance,
  gateway: GatewayConfig & { upstream: string },
  binding: SessionBinding,
): Promise<{ forward(forward: Forward): FastifyReply; abortAll(): void }> {
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
      headersTimeout: gateway.timeoutSeconds * 1000,
      bodyTimeout: gateway.idleTimeoutSeconds * 1000,
      keepAliveTimeout: 30_000,
    },
  });
  const open = new Set<FastifyReply>();

  function forward(job: Forward): FastifyReply {
    const { request, reply, caller } = job;
    open.add(reply);
    reply.raw.once('close', () => open.delete(reply));
    const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    return reply.from(`${upstream.pathname}${upstream.search || (search ? `?${search}` : '')}`, {
      ...(job.rawBody === undefined ? {} : { body: job.rawBody, contentType: request.headers['content-type'] ?? 'application/json' }),
      rewriteRequestHeaders: (_request, headers) => upstreamRequestHeaders(headers, job, upstream.host),
      rewriteHeaders: (headers) => agentResponseHeaders(headers, binding, caller),
      onResponse: (_request, outgoing, response) => {
        const declared = Number(outgoing.getHeader('content-length'));
        if (declared > gateway.maxResponseBytes) {
          response.stream.destroy();
          request.log.warn({ maxBytes: gateway.maxResponseBytes, declared }, 'gateway: the upstream answer was refused at gateway.maxResponseBytes');
          outgoing.removeHeader('content-length');
          return void outgoing
            .code(502)
            .header('content-type', 'application/json')
            .header('cache-control', 'no-store')
            .send(jsonRpcError(answerId(job.body), jsonRpcCodes.upstreamUnavailable, 'The MCP server\'s answer is larger than the gateway relays.'));
        }
        const limit = byteLimit(gateway.maxResponseBytes, () => request.log.warn({ maxBytes: gateway.maxResponseBytes }, 'gateway: the upstream answer was cut at gateway.maxResponseBytes'));
        // pipeline(), not pipe(): when the agent goes away and Fastify destroys the last stream, the upstream's
        // response is destroyed too, and its connection freed, rather than left paused until a timeout.
        if (job.watchers.size === 0) return void outgoing.send(pipeline(response.stream, limit, ignore));
        // A watcher may rewrite a response (tools/list), so the upstream's length no longer holds.
        outgoing.removeHeader('content-length');
        const observer = observeResponses(String(outgoing.getHeader('content-type') ?? ''), job.watchers);
        outgoing.send(pipeline(response.stream, limit, observer, ignore));
      },
      onError: (outgoing, { error }) => {
        const status = upstreamFailureStatus(error);
        request.log.warn({ err: error, status }, 'gateway: the upstream failed');
        void outgoing
          .code(status)
          .header('content-type', 'application/json')
          .header('cache-control', 'no-store')
          .send(jsonRpcError(answerId(job.body), jsonRpcCodes.upstreamUnavailable, failureMessage(status)));
      },
    });
  }

  return {
    forward,
    /** Ends every response still streaming (the server is shutting down): agents reconnect elsewhere. */
    abortAll() {
      for (const reply of open) reply.raw.destroy();
      open.clear();
    },
  };
}

function upstreamRequestHeaders(headers: IncomingHttpHeaders, job: Forward, host: string): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!droppedRequestHeaders.test(name)) result[name] = value;
  result.host = host;
  if (job.upstreamSessionId === undefined) delete result['mcp-session-id'];
  else result['mcp-session-id'] = job.upstreamSessionId;
  result['x-latchkey-user'] = job.caller.userId;
  result['x-latchkey-client'] = job.caller.clientId;
  result['x-latchkey-scope'] = job.caller.scope;
  result['x-forwarded-for'] = job.request.ip;
  result['x-forwarded-proto'] = job.request.protocol;
  result['x-forwarded-host'] = job.request.host;
  return result;
}

function agentResponseHeaders(headers: IncomingHttpHeaders, binding: SessionBinding, caller: GatewayCaller): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!droppedResponseHeaders.test(name)) result[name] = value;
  const session = headers['mcp-session-id'];
  if (typeof session === 'string' && session !== '') result['mcp-session-id'] = binding.bind(session, caller);
  return result;
}

/** A pipeline's end: its failures reach the agent's response (Fastify ends it) and are logged there. */
function ignore(): void {}

/** 504 when the upstream took too long, 503 when it cannot be found, else 502. */
function upstreamFailureStatus(error: Error & { statusCode?: number; cause?: unknown }): 502 | 503 | 504 {
  if (error.statusCode === 504 || error.statusCode === 503) return error.statusCode;
  const code = (error.cause as { code?: string } | undefined)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 504;
  return 502;
}

function failureMessage(status: 502 | 503 | 504): string {
  if (status === 504) return 'The MCP server did not answer in time.';
  if (status === 503) return 'The MCP server is unavailable; try again later.';
  return 'The MCP server cannot be reached.';
}
