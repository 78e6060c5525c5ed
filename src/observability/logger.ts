import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/defaults.js';

/**
 * Field names that hold secrets wherever they appear: client credentials, RFC 7592 management tokens, OAuth
 * tokens and PKCE verifiers, passwords, initial access tokens, assertions.
 */
const secretFields = [
  'client_secret',
  'registration_access_token',
  'access_token',
  'refresh_token',
  'id_token',
  'code_verifier',
  'client_assertion',
  'initial_access_token',
  'initialAccessToken',
  'password',
  'passwordHash',
  'password_hash',
  'secret',
  'keyEncryptionKey',
  'oldKeyEncryptionKeys',
  'token',
  'authorization',
  'cookie',
];

/**
 * Paths of log fields that can hold secrets; pino replaces their values. Each secret field is redacted at
 * the top level and one level down (`{client: {client_secret}}`), and request and response headers anywhere
 * two levels down (`req.headers.authorization`). `code` (an authorization code) is redacted only where a
 * request's parameters would put it: `err.code` is the code of an error (`ECONNREFUSED`), which the logs need.
 * Request bodies are never logged, and URLs lose their secret query parameters ({@link redactUrl}).
 */
export const redactedPaths = [
  ...secretFields.flatMap((field) => [field, `*.${field}`]),
  ...['headers', '*.headers'].flatMap((headers) => [`${headers}.authorization`, `${headers}.cookie`, `${headers}["set-cookie"]`]),
  ...['code', 'body.code', 'query.code', 'params.code', 'form.code'],
];

/** Query parameters whose values are secrets: a client may send them in a URL, and URLs are logged. */
const secretQueryParameter =
  /([?&](?:code|code_verifier|client_secret|client_assertion|registration_access_token|access_token|refresh_token|id_token|token|password)=)[^&#]*/gi;

/** `url` with the values of secret query parameters replaced (`/userinfo?access_token=[redacted]`). */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(secretQueryParameter, '$1[redacted]') : url;
}

/** A Fastify request, as far as its log lines need it. */
interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

const serializers = {
  /** The fields of a request that Fastify logs (its own list), with the URL's secrets redacted; anything else as it is. */
  req: (request: LoggedRequest) =>
    typeof request?.url !== 'string'
      ? request
      : {
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        },
};

const redact = { paths: redactedPaths, censor: '[redacted]' };

/** The JSON logger of the server: one line per event, secrets redacted. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact, serializers }, destination);
}

/**
 * A child of a logger given by a host application (or a test), with the same redaction and request
 * serializer as {@link createLogger}'s: secrets stay out of the log whoever configured the logger.
 */
export function withRedaction(logger: Logger): Logger {
  return logger.child({}, { redact, serializers });
}
