import * as oauth from 'oauth4webapi';
import { UpstreamUnreachableError } from './bounded-fetch.js';
import { providerErrorText, UpstreamSignInError, type UpstreamFailureReason } from './upstream-client.js';

/** The step of a sign-in that failed: it decides the reason of failures that are not specific by themselves. */
export type SignInStep = 'discovery' | 'token' | 'id_token' | 'userinfo';

const stepReason: Record<SignInStep, UpstreamFailureReason> = {
  discovery: 'upstream_error',
  token: 'token_exchange_failed',
  id_token: 'invalid_id_token',
  userinfo: 'upstream_error',
};

const stepMessage: Record<SignInStep, string> = {
  discovery: 'could not be set up for sign-in (its OpenID Connect discovery document is unusable)',
  token: 'did not complete the sign-in (the authorization code could not be redeemed)',
  id_token: 'sent an ID token that failed verification',
  userinfo: 'did not return the user’s profile',
};

/** oauth4webapi's codes for a response that is not one at all (an HTML error page, a redirect): not the ID token's fault. */
const unusableResponse = new Set([oauth.RESPONSE_IS_NOT_JSON, oauth.RESPONSE_IS_NOT_CONFORM]);

/**
 * Turns what oauth4webapi (or the bounded fetch under it) threw at `step` into an {@link UpstreamSignInError}.
 * Decided by error class and oauth4webapi's stable `code`s, never by message text. The original error is not kept
 * as `cause`: oauth4webapi attaches response bodies, which hold the provider's tokens; `detail` keeps its
 * message and code, which are fixed strings.
 */
export function upstreamFailure(error: unknown, step: SignInStep, providerName: string): UpstreamSignInError {
  if (error instanceof UpstreamSignInError) return error;
  const from = `${providerName} ${stepMessage[step]}`;
  if (error instanceof UpstreamUnreachableError) {
    return new UpstreamSignInError('unreachable', `${providerName} could not be reached. Try again in a moment.`, error.message);
  }
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.WWWAuthenticateChallengeError) {
    // The provider's own OAuth error (RFC 6749 §5.2, or RFC 6750 §3 in a WWW-Authenticate challenge), e.g.
    // invalid_grant for a code used twice. At the ID token step it is the token endpoint's answer being read:
    // the code was not redeemed.
    const { error: code, error_description: description } = error instanceof oauth.ResponseBodyError ? error : (error.cause[0]?.parameters ?? {});
    const said = providerErrorText(code, description);
    const redeeming = step === 'token' || step === 'id_token';
    return new UpstreamSignInError(
      redeeming ? 'token_exchange_failed' : 'upstream_error',
      `${providerName} ${stepMessage[redeeming ? 'token' : step]}: ${said}.`,
      `HTTP ${error.status} ${said}`,
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    const reason = step === 'id_token' && error.code !== undefined && unusableResponse.has(error.code) ? 'token_exchange_failed' : stepReason[step];
    const claim = claimOf(error);
    const what = claim === undefined ? '' : ` (its "${claim}" claim failed the check)`;
    return new UpstreamSignInError(reason, `${from}${what}.`, `${error.code ?? 'OAUTH'}: ${error.message}`);
  }
  if (error instanceof oauth.UnsupportedOperationError) {
    return new UpstreamSignInError(stepReason[step], `${from} (it uses something Latchkey does not support).`, `${error.code}: ${error.message}`);
  }
  // oauth4webapi's TypeErrors: an endpoint over http, a missing endpoint in the metadata.
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamSignInError(stepReason[step], `${from}.`, message);
}

/** The claim a JWT claim comparison failed on (`aud`, `iss`, `nonce`), from oauth4webapi's `cause`. */
function claimOf(error: oauth.OperationProcessingError): string | undefined {
  if (error.code !== oauth.JWT_CLAIM_COMPARISON && error.code !== oauth.JWT_TIMESTAMP_CHECK) return undefined;
  const claim = (error.cause as { claim?: unknown } | undefined)?.claim;
  return typeof claim === 'string' && /^[a-z_]{1,20}$/.test(claim) ? claim : undefined;
}
