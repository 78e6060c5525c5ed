import type { FastifyRequest } from 'fastify';
import { OAuthError } from '../errors/oauth-error.js';
import type { PresentedClientCredentials } from '../protocol/client-authentication.js';

/**
 * Parses an `application/x-www-form-urlencoded` body (RFC 6749 Appendix B). A parameter sent more than once is
 * refused (RFC 6749 §3.1, §3.2: "MUST NOT be included more than once"), as is an empty value, which the
 * protocol treats as omitted.
 *
 * @throws {OAuthError} `invalid_request`
 */
export function parseFormBody(text: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (name in params) throw new OAuthError('invalid_request', `the parameter ${printable(name)} is repeated`);
    if (value !== '') params[name] = value;
  }
  return params;
}

/**
 * The client credentials of an `Authorization: Basic` header: the client id and secret, each form-urlencoded
 * before being joined by a colon (RFC 6749 §2.3.1). Undefined when the header is absent or another scheme.
 *
 * @throws {OAuthError} `invalid_request` for a malformed Basic header
 */
export function parseBasicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) {
    if (header !== undefined && /^Basic\b/i.test(header)) throw new OAuthError('invalid_request', 'the Basic authorization header is malformed');
    return undefined;
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new OAuthError('invalid_request', 'the Basic authorization header is malformed');
  try {
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_request', 'the Basic authorization header is malformed');
  }
}

/**
 * The client credentials of a form request: a Basic header, `client_id` and `client_secret` in the body, or a
 * client assertion (`client_assertion_type` and `client_assertion`, RFC 7521 §4.2).
 */
export function presentedClientCredentials(request: FastifyRequest): PresentedClientCredentials {
  const params = (request.body ?? {}) as Record<string, string>;
  return {
    basic: parseBasicCredentials(request.headers.authorization),
    clientId: params['client_id'],
    clientSecret: params['client_secret'],
    clientAssertionType: params['client_assertion_type'],
    clientAssertion: params['client_assertion'],
  };
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?').slice(0, 64);
}
