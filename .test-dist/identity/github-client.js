import * as oauth from "oauth4webapi";
import { accessDenied, sameText } from "./callback-checks.js";
import { providerErrorText, UpstreamSignInError } from "./upstream-client.js";
import { upstreamFailure } from "./upstream-failure.js";
function createGitHubClient(provider, credential, fetchImpl) {
  const { baseUrl, apiUrl } = provider.github;
  if (credential.type !== "secret") throw new Error(`identity provider "${provider.id}": GitHub takes a client secret`);
  const name = provider.name;
  const api = async (path, token, absentOn = []) => {
    const response = await fetchImpl(`${apiUrl}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "Latchkey" },
      redirect: "error"
    });
    if (absentOn.includes(response.status)) return void 0;
    if (response.status !== 200) throw new UpstreamSignInError("upstream_error", `${name} did not return the user\u2019s profile (HTTP ${response.status}).`, `GET ${path}: HTTP ${response.status}`);
    return json(response, `GET ${path}`);
  };
  const json = async (response, what) => {
    try {
      return await response.json();
    } catch {
      throw new UpstreamSignInError("upstream_error", `${name} sent an unreadable answer.`, `${what}: not JSON`);
    }
  };
  const redeem = async (code, redirectUri, codeVerifier) => {
    const response = await fetchImpl(`${baseUrl}/login/oauth/access_token`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", "user-agent": "Latchkey" },
      body: new URLSearchParams({ client_id: provider.clientId, client_secret: credential.secret, code, redirect_uri: redirectUri, code_verifier: codeVerifier }),
      redirect: "error"
    });
    const body = await json(response, "token");
    if (response.status !== 200 || typeof body !== "object" || body === null || typeof body["access_token"] !== "string" || body["error"] !== void 0) {
      const said = providerErrorText(body?.["error"] ?? `HTTP ${response.status}`, body?.["error_description"]);
      throw new UpstreamSignInError("token_exchange_failed", `${name} did not complete the sign-in: ${said}.`, `token: ${said}`);
    }
    if (typeof body["token_type"] === "string" && body["token_type"].toLowerCase() !== "bearer") {
      throw new UpstreamSignInError("token_exchange_failed", `${name} did not complete the sign-in (an unexpected token type).`);
    }
    return body["access_token"];
  };
  return {
    provider,
    async begin(redirectUri) {
      const roundTrip = { state: oauth.generateRandomState(), nonce: null, codeVerifier: oauth.generateRandomCodeVerifier() };
      const url = new URL(`${baseUrl}/login/oauth/authorize`);
      url.searchParams.set("client_id", provider.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("scope", provider.scopes.join(" "));
      url.searchParams.set("state", roundTrip.state);
      url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(roundTrip.codeVerifier));
      url.searchParams.set("code_challenge_method", "S256");
      return { url, roundTrip };
    },
    async complete(callbackUrl, redirectUri, roundTrip) {
      const params = callbackUrl.searchParams;
      if (!sameText(params.get("state"), roundTrip.state)) {
        throw new UpstreamSignInError("state_mismatch", `This sign-in with ${name} was not started here, or has been used already. Start it again.`);
      }
      if (params.has("error")) throw accessDenied(name, params.get("error"), params.get("error_description"));
      const code = params.get("code");
      if (!code) throw new UpstreamSignInError("upstream_error", `${name} sent no authorization code.`);
      try {
        const token = await redeem(code, redirectUri, roundTrip.codeVerifier);
        const user = await api("/user", token);
        const id = user?.["id"];
        if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) throw new UpstreamSignInError("no_subject", `${name} did not say who signed in.`);
        const emails = await api("/user/emails", token, [403, 404]);
        const primary = Array.isArray(emails) ? emails.find((e) => e?.primary === true && e.verified === true && typeof e.email === "string") : void 0;
        return {
          provider: provider.id,
          subject: String(id),
          email: primary?.email ?? null,
          emailVerified: primary !== void 0,
          name: typeof user["name"] === "string" && user["name"] !== "" ? user["name"] : null,
          username: typeof user["login"] === "string" ? user["login"] : null,
          groups: [],
          claims: { ...user }
        };
      } catch (error) {
        throw upstreamFailure(error, "token", name);
      }
    }
  };
}
export {
  createGitHubClient
};
//# sourceMappingURL=github-client.js.map
