const hostPattern = /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$|^\d{1,3}(\.\d{1,3}){3}$/i;
const schemePattern = /^[a-z][a-z0-9+.-]*$/i;
function parsePolicies(value) {
  if (!isObject(value)) return "an object of named policies";
  const result = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return `policy names of letters, digits, "_", "." and "-" (got "${name}")`;
    if (!isObject(raw)) return `an object for policy "${name}"`;
    const policy = {};
    for (const [field, member] of Object.entries(raw)) {
      const where = `policy "${name}" member "${field}"`;
      switch (field) {
        case "allowRedirectHosts":
        case "denyRedirectHosts": {
          if (!isStringList(member) || member.some((h) => !hostPattern.test(h))) {
            return `${where} as a list of host names (exact, or "*.example.com")`;
          }
          policy[field] = member.map((h) => h.toLowerCase());
          break;
        }
        case "allowRedirectSchemes":
          if (!isStringList(member) || member.some((s) => !schemePattern.test(s))) return `${where} as a list of URI schemes without ":"`;
          policy[field] = member.map((s) => s.toLowerCase());
          break;
        case "allowScopes":
        case "allowTokenEndpointAuthMethods":
          if (!isStringList(member) || member.some((s) => s === "" || /\s/.test(s))) return `${where} as a list of names`;
          policy[field] = [...member];
          break;
        case "allowClientCredentials":
        case "allowIntrospection":
          if (typeof member !== "boolean") return `${where} as true or false`;
          policy[field] = member;
          break;
        case "maxClients":
        case "maxRedirectUris":
          if (typeof member !== "number" || !Number.isInteger(member) || member < 1) return `${where} as a positive integer`;
          policy[field] = member;
          break;
        default:
          return `known members only in policy "${name}" (unknown "${field}")`;
      }
    }
    result[name] = policy;
  }
  return result;
}
function parseStatementIssuers(value) {
  if (!Array.isArray(value)) return 'a list of trusted issuers ({"issuer", "jwks" or "jwksUri"})';
  const result = [];
  for (const raw of value) {
    if (!isObject(raw) || typeof raw["issuer"] !== "string" || raw["issuer"] === "") return 'issuers with a non-empty "issuer"';
    const { issuer, jwks, jwksUri, policy, ...rest } = raw;
    if (Object.keys(rest).length > 0) return `known members only for issuer "${issuer}" (unknown "${Object.keys(rest)[0]}")`;
    if (jwks === void 0 === (jwksUri === void 0)) return `exactly one of "jwks" and "jwksUri" for issuer "${issuer}"`;
    const entry = { issuer };
    if (jwks !== void 0) {
      if (!isObject(jwks) || !Array.isArray(jwks["keys"]) || !jwks["keys"].every(isObject)) return `a JWK Set ({"keys": [...]}) for issuer "${issuer}"`;
      entry.jwks = { keys: jwks["keys"] };
    }
    if (jwksUri !== void 0) {
      if (typeof jwksUri !== "string" || !URL.canParse(jwksUri) || !/^https?:$/.test(new URL(jwksUri).protocol)) {
        return `an http(s) URL as "jwksUri" of issuer "${issuer}"`;
      }
      entry.jwksUri = jwksUri;
    }
    if (policy !== void 0) {
      if (typeof policy !== "string") return `a policy name as "policy" of issuer "${issuer}"`;
      entry.policy = policy;
    }
    result.push(entry);
  }
  return result;
}
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function isStringList(value) {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
export {
  parsePolicies,
  parseStatementIssuers
};
//# sourceMappingURL=policies.js.map
