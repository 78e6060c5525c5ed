import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorCodes } from '../errors/codes.js';
import { OAuthError } from '../errors/oauth-error.js';
import { StorageUnavailableError } from '../ports/storage.js';
import { dpopSigningAlgorithms } from '../protocol/dpop/dpop-proof.js';

/** Fastify's own errors, by their `code`, as protocol errors. */
const fastifyErrors: Record<string, () => OAuthError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new OAuthError('payload_too_large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new OAuthError('unsupported_media_type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new OAuthError('invalid_request', 'the Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new OAuthError('invalid_request', 'the request body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new OAuthError('invalid_request', 'the request body is not valid JSON'),
};

/**
 * Any error as an {@link OAuthError}: protocol errors as they are, Fastify's request errors by code, an
 * unreachable database as `temporarily_unavailable` (so that clients retry rather than, say, re-register),
 * and anything else as a generic `server_error` whose details only reach the logs.
 */
export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof StorageUnavailableError) {
    return new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable; try again shortly', {
      cause: error,
      retryAfter: 5,
    });
  }
  const code = (error as { code?: unknown }).code;
  const known = typeof code === 'string' ? fastifyErrors[code] : undefined;
  if (known) return known();
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new OAuthError('invalid_request', undefined, { cause: error });
  }
  return new OAuthError('server_error', undefined, { cause: error });
}

/**
 * The one error renderer: status from the error table, `Cache-Control: no-store`, `WWW-Authenticate` on 401
 * (RFC 6750 §3), `Retry-After` when known, and the RFC 7591 §3.2.2 body — except on 429, where the body is
 * the `{"errors": [...]}` shape of the Datadog seed.
 */
export function renderError(request: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  const error = toOAuthError(thrown);
  const { status, wire } = errorCodes[error.code];
  if (status >= 500) request.log.error({ err: error.cause ?? error, detail: error.detail }, 'request failed');
  else request.log.info({ error: error.code, detail: error.detail ?? error.description }, 'request refused');

  reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  if (error.code === 'invalid_client') {
    // RFC 6749 §5.2: the challenge names the client authentication scheme, Basic.
    reply.header('www-authenticate', 'Basic realm="latchkey", charset="UTF-8"');
  } else if (status === 401 || error.code === 'insufficient_scope') {
    // RFC 9449 §7.1: a DPoP challenge names the proof algorithms accepted.
    const scheme = error.scheme === 'DPoP' ? `DPoP algs="${dpopSigningAlgorithms.join(' ')}"` : 'Bearer';
    const separator = error.scheme === 'DPoP' ? ', ' : ' ';
    reply.header(
      'www-authenticate',
      error.tokenPresented ? `${scheme}${separator}error="${wire}", error_description="${error.description}"` : scheme,
    );
  }
  if (error.code === 'rate_limited') return reply.send({ errors: [error.description] });
  return reply.send({ error: wire, error_description: error.description });
}
