import { timingSafeEqual } from "node:crypto";
import { providerErrorText, UpstreamSignInError } from "./upstream-client.js";
function sameText(received, expected) {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
function accessDenied(providerName, error, description) {
  const said = providerErrorText(error, description);
  if (error === "access_denied") {
    return new UpstreamSignInError("access_denied", `The sign-in with ${providerName} was cancelled or refused (${said}).`, said);
  }
  return new UpstreamSignInError("upstream_error", `${providerName} reported an error: ${said}.`, said);
}
export {
  accessDenied,
  sameText
};
//# sourceMappingURL=callback-checks.js.map
