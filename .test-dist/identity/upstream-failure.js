import * as oauth from "oauth4webapi";
import { UpstreamUnreachableError } from "./bounded-fetch.js";
import { providerErrorText, UpstreamSignInError } from "./upstream-client.js";
const stepReason = {
  discovery: "upstream_error",
  token: "token_exchange_failed",
  id_token: "invalid_id_token",
  userinfo: "upstream_error"
};
const stepMessage = {
  discovery: "could not be set up for sign-in (its OpenID Connect discovery document is unusable)",
  token: "did not complete the sign-in (the authorization code could not be redeemed)",
  id_token: "sent an ID token that failed verification",
  userinfo: "did not return the user\u2019s profile"
};
const unusableResponse = /* @__PURE__ */ new Set([oauth.RESPONSE_IS_NOT_JSON, oauth.RESPONSE_IS_NOT_CONFORM]);
function upstreamFailure(error, step, providerName) {
  if (error instanceof UpstreamSignInError) return error;
  const from = `${providerName} ${stepMessage[step]}`;
  if (error instanceof UpstreamUnreachableError) {
    return new UpstreamSignInError("unreachable", `${providerName} could not be reached. Try again in a moment.`, error.message);
  }
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.WWWAuthenticateChallengeError) {
    const { error: code, error_description: description } = error instanceof oauth.ResponseBodyError ? error : error.cause[0]?.parameters ?? {};
    const said = providerErrorText(code, description);
    const redeeming = step === "token" || step === "id_token";
    return new UpstreamSignInError(
      redeeming ? "token_exchange_failed" : "upstream_error",
      `${providerName} ${stepMessage[redeeming ? "token" : step]}: ${said}.`,
      `HTTP ${error.status} ${said}`
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    const reason = step === "id_token" && error.code !== void 0 && unusableResponse.has(error.code) ? "token_exchange_failed" : stepReason[step];
    const claim = claimOf(error);
    const what = claim === void 0 ? "" : ` (its "${claim}" claim failed the check)`;
    return new UpstreamSignInError(reason, `${from}${what}.`, `${error.code ?? "OAUTH"}: ${error.message}`);
  }
  if (error instanceof oauth.UnsupportedOperationError) {
    return new UpstreamSignInError(stepReason[step], `${from} (it uses something Latchkey does not support).`, `${error.code}: ${error.message}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamSignInError(stepReason[step], `${from}.`, message);
}
function claimOf(error) {
  if (error.code !== oauth.JWT_CLAIM_COMPARISON && error.code !== oauth.JWT_TIMESTAMP_CHECK) return void 0;
  const claim = error.cause?.claim;
  return typeof claim === "string" && /^[a-z_]{1,20}$/.test(claim) ? claim : void 0;
}
export {
  upstreamFailure
};
//# sourceMappingURL=upstream-failure.js.map
