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
 * Which fields of a log line hold secrets; {@link redactSecrets} replaces their values. Each secret field is
 * redacted at the top level and one level down (`{client: {client_secret}}`), and request and response headers
 * two levels down (`req.headers.authorization`). `code` (an authorization code) is redacted only where a
 * request's parameters would put it: `err.code` is the code of an error (`ECONNREFUSED`), which the logs need.
 * Request bodies are never logged, and URLs lose their secret query parameters ({@link redactUrl}).
 */
const secretKeys = new Set(secretFields);
const secretHeaders = new Set(['authorization', 'cookie', 'set-cookie']);
const parameterHolders = new Set(['body', 'query', 'params', 'form']);
const censor = '[redacted]';

type Fields = Record<string, unknown>;

/**
 * A log line's fields with the values of secret fields replaced (see {@link secretKeys}, above); the object given is
 * never changed, and is returned as it is when it holds no secret, as nearly every line does.
 *
 * Written by hand rather than with pino's `redact` option: its wildcard paths cost 50 µs per line (a tenth of a
 * registration, for the one line a request writes), this walk about one.
 */
export function redactSecrets(fields: Fields): Fields {
  let copy: Fields | undefined;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    let replaced: unknown = value;
    if (secretKeys.has(key) || key === 'code') replaced = censor;
    else if (isObject(value)) replaced = redactNested(value, key === 'headers', parameterHolders.has(key));
    if (replaced !== value) (copy ??= { ...fields })[key] = replaced;
  }
  return copy ?? fields;
}

/** One level down: secret fields, `code` in request parameters, and headers (also one level further). */
function redactNested(fields: Fields, isHeaders: boolean, isParameters: boolean): Fields {
  let copy: Fields | undefined;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    let replaced: unknown = value;
    if (secretKeys.has(key) || (isHeaders && secretHeaders.has(key)) || (isParameters && key === 'code')) replaced = censor;
    else if (key === 'headers' && isObject(value)) replaced = redactHeaders(value);
    if (replaced !== value) (copy ??= cloneKeepingKind(fields))[key] = replaced;
  }
  return copy ?? fields;
}

function redactHeaders(headers: Fields): Fields {
  let copy: Fields | undefined;
  for (const name of secretHeaders) {
    if (Object.hasOwn(headers, name) && headers[name] !== undefined) (copy ??= { ...headers })[name] = censor;
  }
  return copy ?? headers;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A shallow copy that stays an Error when it was one, so that pino's error serializer still sees an error. */
function cloneKeepingKind(fields: Fields): Fields {
  if (!(fields instanceof Error)) return { ...fields };
  const copy = Object.create(Object.getPrototypeOf(fields) as object) as Fields;
  for (const key of Object.getOwnPropertyNames(fields)) copy[key] = fields[key];
  return copy;
}

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

/**
 * pino hands a line's own fields to `formatters.log` as a plain object, before its serializers run. The bindings
 * of child loggers are not passed through it (pino formats only the root's): bindings here are request and
 * session ids, never secrets; secrets go in a line's fields.
 */
const formatters = { log: (fields: object) => redactSecrets(fields as Fields) };

/** The JSON logger of the server: one line per event, secrets redacted. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, formatters, serializers }, destination);
}

/**
 * A child of a logger given by a host application (or a test), with the same redaction and request
 * serializer as {@link createLogger}'s: secrets stay out of the log whoever configured the logger.
 */
export function withRedaction(logger: Logger): Logger {
  return logger.child({}, { formatters, serializers });
}
