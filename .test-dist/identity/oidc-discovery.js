import * as oauth from "oauth4webapi";
import { UpstreamSignInError } from "./upstream-client.js";
import { upstreamFailure } from "./upstream-failure.js";
const hidden = oauth;
function assertMultiTenantSupport(provider) {
  if (provider.multiTenantIssuer !== null && (typeof hidden._nodiscoverycheck !== "symbol" || typeof hidden._expectedIssuer !== "symbol")) {
    throw new Error(`identity provider "${provider.id}": this version of oauth4webapi cannot verify multi-tenant Entra ID tokens`);
  }
}
const tenantId = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
function tenantIssuerPattern(template) {
  const [before = "", after = ""] = template.split("{tenantid}");
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${escape(before)}${tenantId}${escape(after)}$`, "i");
}
async function discover(provider, options) {
  const issuer = new URL(provider.issuer);
  const response = await oauth.discoveryRequest(issuer, options);
  const template = provider.multiTenantIssuer;
  if (template === null) return oauth.processDiscoveryResponse(issuer, response);
  const as = await oauth.processDiscoveryResponse(hidden._nodiscoverycheck, response);
  if (as.issuer !== template && !tenantIssuerPattern(template).test(as.issuer)) {
    throw new UpstreamSignInError("upstream_error", `${provider.name} could not be set up for sign-in (its discovery names an unexpected issuer).`, `discovery issuer ${as.issuer}`);
  }
  const tid = tenantIssuerPattern(template);
  return {
    ...as,
    issuer: template,
    // The `iss` the ID token must carry: the template with its own `tid`. A token without a tenant id gets an
    // expectation no issuer meets.
    [hidden._expectedIssuer]: (result) => {
      const claim = result.claims["tid"];
      const expected = typeof claim === "string" ? template.replace("{tenantid}", claim) : "";
      return tid.test(expected) ? expected : "urn:latchkey:no-tenant-id";
    }
  };
}
function cachedDiscovery(provider, options, maxAgeMs = 36e5) {
  let known;
  let pending;
  const fetchOnce = async () => {
    try {
      return await discover(provider, options);
    } catch {
      return discover(provider, options);
    }
  };
  return async () => {
    if (known && Date.now() - known.at < maxAgeMs) return known.as;
    pending ??= fetchOnce().then((as) => {
      known = { as, at: Date.now() };
      return as;
    }).finally(() => {
      pending = void 0;
    });
    try {
      return await pending;
    } catch (error) {
      if (known) return known.as;
      throw upstreamFailure(error, "discovery", provider.name);
    }
  };
}
export {
  assertMultiTenantSupport,
  cachedDiscovery,
  tenantIssuerPattern
};
//# sourceMappingURL=oidc-discovery.js.map
