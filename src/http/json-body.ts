import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../errors/oauth-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The text of a JSON body. RFC 8259 §8.1: JSON exchanged between systems is UTF-8; bytes that are not are
 * refused rather than replaced with U+FFFD, which would register a name the client never sent.
 *
 * @throws {OAuthError} `invalid_request`
 */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new OAuthError('invalid_request', 'the request body is not valid UTF-8');
  }
}

/** Deeper than any registration request needs (`jwks.keys[i].x5c[j]` is 4). */
const maxDepth = 16;

/**
 * Parses a request body that must be one JSON object. Besides JSON syntax it refuses what `JSON.parse`
 * lets through: duplicate member names (parsers disagree on which one wins, RFC 8259 §4), and nesting
 * deeper than {@link maxDepth}.
 *
 * @throws {OAuthError} `invalid_request`
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_request', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OAuthError('invalid_request', 'the request body must be a JSON object');
  }
  checkStructure(text);
  return value as Record<string, unknown>;
}

/** One pass over text already known to be valid JSON: nesting depth and duplicate member names. */
function checkStructure(text: string): void {
  // For each open container: the member names seen so far (objects) or null (arrays).
  const stack: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const names = stack[stack.length - 1];
      if (expectingKey && names) {
        const raw = text.slice(start + 1, i);
        const name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
        if (names.has(name)) {
          throw new OAuthError('invalid_request', `the request body repeats the member ${printable(name)}`);
        }
        names.add(name);
        expectingKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) throw new OAuthError('invalid_request', 'the request body is nested too deeply');
      stack.push(c === 0x7b ? new Set() : null);
      expectingKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectingKey = stack[stack.length - 1] instanceof Set;
    }
  }
}

/** A member name fit for `error_description` (RFC 6749 §5.2: printable ASCII without `"` or `\`). */
function printable(name: string): string {
  const safe = name.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return safe.length > 64 ? `${safe.slice(0, 64)}...` : safe;
}

/** The parsed JSON object of a request, which the JSON content-type parser has already checked. */
export function requireObjectBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'the request body must be a JSON object sent as application/json');
  }
  return body as Record<string, unknown>;
}
