import type { ErrorCode } from '../../errors/codes.js';
import type { ClientRecord } from '../../ports/clients.js';
import type { AuthorizationRequest } from './authorization-request.js';

/** The parameters of a successful authorization response, `iss` included (RFC 9207). */
export interface CodeResponse {
  code: string;
  state: string | null;
  iss: string;
}

/** The parameters of an authorization error response, `iss` included (RFC 9207). */
export interface ErrorResponse {
  error: ErrorCode;
  error_description: string;
  state: string | null;
  iss: string;
}

/**
 * What the authorization endpoint answers, decided by the protocol and only rendered by the route:
 *
 * - `sign-in`: the user must sign in; afterwards the request `resume` is decided again.
 * - `consent`: the user must allow or deny what the page shows; `shown` is its digest, which the allow must
 *   carry back (an allow counts only for what the user saw). `alreadyAllowed` is the part of the request's scope a
 *   remembered consent already allows (a step-up): the page asks only for the rest.
 * - `redirect-with-code`: the authorization succeeded.
 * - `redirect-with-error`: an error for a client whose redirect URI the user can be sent to at once.
 * - `link-with-error`: an error for a self-registered client, shown on a page with a link to its redirect URI
 *   instead of an immediate redirect, which would make this server an open redirector (RFC 9700 §4.11.2).
 * - `error-page`: an error found before the redirect URI is known to be the client's; it is never sent there.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export type AuthorizationDecision =
  | { kind: 'sign-in'; clientName: string; unverified: boolean; resume: Record<string, string> }
  | {
      kind: 'consent';
      client: ClientRecord;
      request: AuthorizationRequest;
      username: string;
      /** The requested scopes the user already allowed this client for this resource, space-separated ('' for none). */
      alreadyAllowed: string;
      resume: Record<string, string>;
      shown: string;
    }
  | { kind: 'redirect-with-code'; redirectUri: string; params: CodeResponse }
  | { kind: 'redirect-with-error'; redirectUri: string; params: ErrorResponse }
  | { kind: 'link-with-error'; redirectUri: string; params: ErrorResponse }
  | { kind: 'error-page'; error: 'invalid_request' | 'invalid_client'; description: string };
