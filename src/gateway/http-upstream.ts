import type { IncomingHttpHeaders } from 'node:http';
import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/gateway.js';
import type { GatewayCaller, ResponseWatcher } from './gateway-request.js';
import { answerId, jsonRpcCodes, jsonRpcError } from './json-rpc.js';
import { byteLimit, observeResponses } from './response-observer.js';
import type { SessionBinding } from './session-binding.js';

/** The reply as reply-from's hooks see it. */
type UpstreamReply = Parameters<NonNullable<FastifyReplyFromHooks['onResponse']>>[1];

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

/**
 * The only request headers forwarded: what Streamable HTTP needs. Everything else is left behind, above all the
 * caller's credentials and cookies (the token was for the gateway, not the upstream: MCP forbids passing it
 * through), any identity header it wrote (in any spelling: CGI-style upstreams read `x_latchkey_user` as
 * `X-Latchkey-User`), and `Accept-Encoding` (a compressed answer could not be watched).
 */
const forwardedRequestHeaders = new Set(['accept', 'mcp-protocol-version', 'last-event-id', 'user-agent']);
/**
 * Response headers never relayed: cookies on Latchkey's origin, CORS (the gateway answers it itself), and anything
 * that would send the agent elsewhere or speak for Latchkey: a challenge naming another authorization server, a
 * redirect, a DPoP nonce, site-wide policies. The session id is relayed only bound (below).
 */
const droppedResponseHeaders = /^(set-cookie2?|access-control-.*|www-authenticate|proxy-authenticate|dpop-nonce|location|content-location|refresh|clear-site-data|strict-transport-security|alt-svc|mcp-session-id)$/i;

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
  /** The host agents reach the gateway at (the issuer's), for `X-Forwarded-Host`. */
  publicHost: string,
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
    /** Answers the agent in the gateway's own words, dropping what the upstream had said. */
    const refuse = (outgoing: UpstreamReply, status: number, message: string) => {
      for (const name of Object.keys(outgoing.getHeaders())) if (!/^access-control-/.test(name)) outgoing.removeHeader(name);
      void outgoing.code(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(jsonRpcError(answerId(job.body), jsonRpcCodes.upstreamUnavailable, message));
    };
    open.add(reply);
    reply.raw.once('close', () => open.delete(reply));
    const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    return reply.from(`${upstream.pathname}${upstream.search || (search ? `?${search}` : '')}`, {
      // The body was read as UTF-8 (JSON's only encoding, RFC 8259 §8.1): whatever charset the caller named, the
      // upstream is told that, so that it cannot read other characters (a UTF-7 `tools/call`) than the gateway did.
      ...(job.rawBody === undefined ? {} : { body: job.rawBody, contentType: 'application/json' }),
      rewriteRequestHeaders: (_request, headers) => upstreamRequestHeaders(headers, job, upstream.host, publicHost),
      rewriteHeaders: (headers) => agentResponseHeaders(headers, binding, caller),
      onResponse: (_request, outgoing, response) => {
        // An upstream that asks the agent to authenticate (to it) or to go elsewhere is misconfigured: the agent
        // authenticated with Latchkey, and must not be sent anywhere by the upstream.
        const status = outgoing.statusCode;
        if (status === 401 || status === 407 || (status >= 300 && status < 400)) {
          response.stream.destroy();
          request.log.warn({ status }, 'gateway: the upstream answered with a challenge or a redirect, which the agent does not get');
          return void refuse(outgoing, 502, 'The MCP server refused the gateway\'s request.');
        }
        const declared = Number(outgoing.getHeader('content-length'));
        if (declared > gateway.maxResponseBytes) {
          response.stream.destroy();
          request.log.warn({ maxBytes: gateway.maxResponseBytes, declared }, 'gateway: the upstream answer was refused at gateway.maxResponseBytes');
          return void refuse(outgoing, 502, 'The MCP server\'s answer is larger than the gateway relays.');
        }
        // A GET is the session's standing stream, open for as long as the session: it is relayed as it comes, and
        // destroyed (its connection freed) when the agent goes. Answers to POSTs are bounded.
        if (request.method !== 'POST') {
          reply.raw.once('close', () => response.stream.destroy());
          return void outgoing.send(response.stream);
        }
        const limit = byteLimit(gateway.maxResponseBytes, () => request.log.warn({ maxBytes: gateway.maxResponseBytes }, 'gateway: the upstream answer was cut at gateway.maxResponseBytes'));
        // When the agent goes away, the upstream's answer is destroyed too, and its connection freed, rather than
        // left paused until a timeout (pipe() alone would not; pipeline() would, but builds an error for every
        // answer that ends well, which showed in the profile).
        reply.raw.once('close', () => {
          response.stream.destroy();
          limit.destroy();
        });
        response.stream.once('error', (error) => limit.destroy(error));
        if (job.watchers.size === 0) return void outgoing.send(response.stream.pipe(limit));
        // A watcher may rewrite a response (tools/list), so the upstream's length no longer holds.
        outgoing.removeHeader('content-length');
        const observer = observeResponses(String(outgoing.getHeader('content-type') ?? ''), job.watchers);
        limit.once('error', (error) => observer.destroy(error));
        reply.raw.once('close', () => observer.destroy());
        outgoing.send(response.stream.pipe(limit).pipe(observer));
      },
      onError: (outgoing, { error }) => {
        const status = upstreamFailureStatus(error);
        request.log.warn({ err: error, status }, 'gateway: the upstream failed');
        refuse(outgoing, status, failureMessage(status));
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

function upstreamRequestHeaders(headers: IncomingHttpHeaders, job: Forward, host: string, publicHost: string): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (forwardedRequestHeaders.has(name)) result[name] = value;
  // What reply-from computed for the body it sends.
  for (const name of ['content-type', 'content-length'] as const) if (headers[name] !== undefined) result[name] = headers[name];
  result.host = host;
  if (job.upstreamSessionId !== undefined) result['mcp-session-id'] = job.upstreamSessionId;
  result['x-latchkey-user'] = job.caller.userId;
  result['x-latchkey-client'] = job.caller.clientId;
  result['x-latchkey-scope'] = job.caller.scope;
  result['x-forwarded-for'] = job.request.ip;
  result['x-forwarded-proto'] = job.request.protocol;
  result['x-forwarded-host'] = publicHost;
  return result;
}

function agentResponseHeaders(headers: IncomingHttpHeaders, binding: SessionBinding, caller: GatewayCaller): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!droppedResponseHeaders.test(name)) result[name] = value;
  // Exactly one session id, bound to the caller; a repeated one is no session at all.
  const session = headers['mcp-session-id'];
  if (typeof session === 'string' && session !== '') result['mcp-session-id'] = binding.bind(session, caller);
  return result;
}

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
