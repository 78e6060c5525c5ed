import * as oauth from "oauth4webapi";
import { isLoopbackUrl } from "../config/identity.js";
import { accessDenied, sameText } from "./callback-checks.js";
import { clientAuthentication, importPrivateKey } from "./client-authentication.js";
import { assertMultiTenantSupport, cachedDiscovery, tenantIssuerPattern } from "./oidc-discovery.js";
import { profileFromClaims } from "./profile-from-claims.js";
import { UpstreamSignInError } from "./upstream-client.js";
import { upstreamFailure } from "./upstream-failure.js";
function createOidcClient(provider, credential, fetchImpl) {
  assertMultiTenantSupport(provider);
  const issuerUrl = new URL(provider.issuer);
  const insecure = issuerUrl.protocol === "http:" && isLoopbackUrl(issuerUrl);
  const requestOptions = {
    [oauth.customFetch]: (url, init) => fetchImpl(url, init),
    [oauth.allowInsecureRequests]: insecure
  };
  const metadata = cachedDiscovery(provider, requestOptions);
  const client = { client_id: provider.clientId };
  const jwks = {};
  let privateKey;
  const step = async (name, run) => {
    try {
      return await run();
    } catch (error) {
      throw upstreamFailure(error, name, provider.name);
    }
  };
  const authenticate = async (as) => {
    if (credential.type === "private_key_jwt") {
      privateKey ??= importPrivateKey(credential);
      privateKey.catch(() => privateKey = void 0);
      return clientAuthentication(credential, as, await privateKey);
    }
    return clientAuthentication(credential, as, void 0);
  };
  const checkIssuer = (as, params) => {
    const iss = params.get("iss") ?? void 0;
    const fits = iss === void 0 || iss === as.issuer || provider.multiTenantIssuer !== null && tenantIssuerPattern(provider.multiTenantIssuer).test(iss);
    if (!fits || iss === void 0 && as.authorization_response_iss_parameter_supported === true) {
      throw new UpstreamSignInError("issuer_mismatch", `The response did not come from ${provider.name}. Start the sign-in again.`, `callback iss ${iss === void 0 ? "missing" : JSON.stringify(iss.slice(0, 200))}`);
    }
    return iss;
  };
  return {
    provider,
    async begin(redirectUri) {
      const as = await metadata();
      const endpoint = as.authorization_endpoint;
      if (!endpoint || !URL.canParse(endpoint) || !["https:", ...insecure ? ["http:"] : []].includes(new URL(endpoint).protocol)) {
        throw new UpstreamSignInError("upstream_error", `${provider.name} could not be set up for sign-in (no usable authorization endpoint).`);
      }
      const roundTrip = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), codeVerifier: oauth.generateRandomCodeVerifier() };
      const url = new URL(endpoint);
      url.searchParams.set("client_id", provider.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", provider.scopes.join(" "));
      url.searchParams.set("state", roundTrip.state);
      url.searchParams.set("nonce", roundTrip.nonce);
      url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(roundTrip.codeVerifier));
      url.searchParams.set("code_challenge_method", "S256");
      return { url, roundTrip };
    },
    async complete(callbackUrl, redirectUri, roundTrip) {
      const as = await metadata();
      const params = callbackUrl.searchParams;
      const iss = checkIssuer(as, params);
      if (!sameText(params.get("state"), roundTrip.state)) {
        throw new UpstreamSignInError("state_mismatch", `This sign-in with ${provider.name} was not started here, or has been used already. Start it again.`);
      }
      let callback;
      try {
        callback = oauth.validateAuthResponse(iss === void 0 ? as : { ...as, issuer: iss }, client, params, roundTrip.state);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) throw accessDenied(provider.name, error.error, error.error_description);
        throw upstreamFailure(error, "token", provider.name);
      }
      const auth = await step("token", () => authenticate(as));
      const response = await step("token", () => oauth.authorizationCodeGrantRequest(as, client, auth, callback, redirectUri, roundTrip.codeVerifier, requestOptions));
      const result = await step(
        "id_token",
        () => oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: roundTrip.nonce ?? oauth.expectNoNonce, requireIdToken: true })
      );
      await step("id_token", () => oauth.validateApplicationLevelSignature(as, response, { ...requestOptions, [oauth.jwksCache]: jwks }));
      const claims = oauth.getValidatedIdTokenClaims(result);
      if (iss !== void 0 && claims.iss !== iss) {
        throw new UpstreamSignInError("issuer_mismatch", `The response did not come from ${provider.name}. Start the sign-in again.`, "callback iss differs from the ID token iss");
      }
      if (claims.sub.trim() === "") throw new UpstreamSignInError("no_subject", `${provider.name} did not say who signed in.`);
      let userinfo = {};
      if (claims[provider.claims.email] === void 0 && as.userinfo_endpoint) {
        const answer = await step("userinfo", () => oauth.userInfoRequest(as, client, result.access_token, requestOptions));
        userinfo = await step("userinfo", () => oauth.processUserInfoResponse(as, client, claims.sub, answer));
      }
      return profileFromClaims(provider, { ...claims }, userinfo);
    }
  };
}
export {
  createOidcClient
};
//# sourceMappingURL=oidc-client.js.map
