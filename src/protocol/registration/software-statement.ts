import { decodeJwt, decodeProtectedHeader } from 'jose';
import { OAuthError } from '../../errors/oauth-error.js';

/**
 * RFC 7591 §2.3, §3.1.1: a software statement is a signed JWT whose claims, once verified, override the
 * request's. Trusted statement issuers are not configurable yet, so a well-formed statement is refused as
 * `unapproved_software_statement` (never silently ignored: its claims would otherwise be dropped while the
 * client believed them registered), and a malformed or unsigned one as `invalid_software_statement`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 */
export function checkSoftwareStatement(statement: string): never {
  let issuer: unknown;
  try {
    const header = decodeProtectedHeader(statement);
    if (typeof header.alg !== 'string' || header.alg === 'none') throw new Error('unsigned');
    issuer = decodeJwt(statement).iss;
  } catch (cause) {
    throw new OAuthError('invalid_software_statement', 'software_statement is not a signed JWT', { cause });
  }
  throw new OAuthError('unapproved_software_statement', 'software statements are not accepted from this issuer', {
    detail: `untrusted software statement issuer ${JSON.stringify(issuer)}`,
  });
}
