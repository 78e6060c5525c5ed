import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/defaults.js';

/**
 * Paths of log fields that can hold secrets; pino replaces their values. Request bodies are never logged,
 * so client secrets and registration access tokens can only appear in headers.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'client_secret',
  'registration_access_token',
  '*.client_secret',
  '*.registration_access_token',
];

/** The JSON logger of the server: one line per event, secrets redacted. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' } }, destination);
}
