const multiTenants = /* @__PURE__ */ new Set(["common", "organizations", "consumers"]);
const hostName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const privateKeyAlgs = /* @__PURE__ */ new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);
const presets = {
  google: { name: "Google", members: [] },
  entra: { name: "Microsoft", members: ["tenant"] },
  okta: { name: "Okta", members: ["domain", "authorizationServerId"] },
  auth0: { name: "Auth0", members: ["domain"] },
  keycloak: { name: "Keycloak", members: ["baseUrl", "realm"] },
  gitlab: { name: "GitLab", members: ["baseUrl"] },
  github: { name: "GitHub", members: ["baseUrl", "apiUrl"] }
};
const common = ["id", "name", "preset", "issuer", "clientId", "clientSecret", "clientSecretFile", "privateKeyJwt", "scopes", "claims"];
function isLoopbackUrl(url) {
  const host = url.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
function baseUrl(value, where) {
  if (typeof value !== "string" || !URL.canParse(value)) throw new Error(`${where} must be an absolute URL`);
  const url = new URL(value);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackUrl(url))) {
    throw new Error(`${where} must use https (http only for localhost, 127.0.0.0/8 and [::1]); got ${value}`);
  }
  if (url.search || url.hash || url.username || url.password) throw new Error(`${where} must not have a query, fragment or user information`);
  return url.href.replace(/\/+$/, "");
}
function text(entry, member, where, required) {
  const value = entry[member];
  if (value === void 0 && !required) return null;
  if (typeof value !== "string" || value.trim() === "" || value.length > 2048) {
    throw new Error(`${where}.${member} ${required && value === void 0 ? "is required" : "must be a non-empty string"}`);
  }
  return value;
}
function presetIssuer(preset, entry, where) {
  const host = (member) => {
    const value = text(entry, member, where, true);
    if (!hostName.test(value)) throw new Error(`${where}.${member} must be a host name such as ${preset === "okta" ? "dev-123456.okta.com" : "example.eu.auth0.com"} (no https://)`);
    return value.toLowerCase();
  };
  switch (preset) {
    case "google":
      return { issuer: "https://accounts.google.com", multiTenantIssuer: null };
    case "entra": {
      const tenant = text(entry, "tenant", where, true);
      if (!hostName.test(tenant)) throw new Error(`${where}.tenant must be a tenant id, a verified domain, or common, organizations or consumers`);
      const t = tenant.toLowerCase();
      if (multiTenants.has(t)) return { issuer: `https://login.microsoftonline.com/${t}/v2.0`, multiTenantIssuer: "https://login.microsoftonline.com/{tenantid}/v2.0" };
      return { issuer: `https://login.microsoftonline.com/${t}/v2.0`, multiTenantIssuer: null };
    }
    case "okta": {
      const domain = host("domain");
      const server = text(entry, "authorizationServerId", where, false);
      if (server !== null && !/^[A-Za-z0-9_-]{1,64}$/.test(server)) throw new Error(`${where}.authorizationServerId must be an id such as default or aus1a2b3c4d`);
      return { issuer: server === null ? `https://${domain}` : `https://${domain}/oauth2/${server}`, multiTenantIssuer: null };
    }
    case "auth0":
      return { issuer: `https://${host("domain")}/`, multiTenantIssuer: null };
    case "keycloak": {
      const realm = text(entry, "realm", where, true);
      return { issuer: `${baseUrl(text(entry, "baseUrl", where, true), `${where}.baseUrl`)}/realms/${encodeURIComponent(realm)}`, multiTenantIssuer: null };
    }
    case "gitlab":
      return { issuer: baseUrl(entry["baseUrl"] ?? "https://gitlab.com", `${where}.baseUrl`), multiTenantIssuer: null };
    default:
      throw new Error(`${where}.preset must be one of ${Object.keys(presets).join(", ")}`);
  }
}
function stringList(value, where) {
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item.trim() === "" || item.length > 256)) {
    throw new Error(`${where} must be a list of non-empty strings`);
  }
  return [...new Set(value)];
}
function parseClaims(value, where) {
  const claims = { email: "email", name: "name", username: "preferred_username", groups: "groups" };
  if (value === void 0) return claims;
  if (!isObject(value)) throw new Error(`${where}.claims must be an object such as {"username": "upn"}`);
  for (const [member, name] of Object.entries(value)) {
    if (!(member in claims)) throw new Error(`${where}.claims.${member} is unknown (email, name, username, groups)`);
    if (typeof name !== "string" || name === "") throw new Error(`${where}.claims.${member} must be a claim name`);
    claims[member] = name;
  }
  return claims;
}
function parsePrivateKeyJwt(value, where) {
  if (value === void 0) return null;
  if (!isObject(value)) throw new Error(`${where}.privateKeyJwt must be an object {"keyFile", "kid", "alg"}`);
  const unknown = Object.keys(value).find((key) => !["keyFile", "kid", "alg"].includes(key));
  if (unknown !== void 0) throw new Error(`${where}.privateKeyJwt.${unknown} is unknown (keyFile, kid, alg)`);
  const alg = text(value, "alg", `${where}.privateKeyJwt`, false);
  if (alg !== null && !privateKeyAlgs.has(alg)) throw new Error(`${where}.privateKeyJwt.alg must be one of ${[...privateKeyAlgs].join(", ")}`);
  return { keyFile: text(value, "keyFile", `${where}.privateKeyJwt`, true), kid: text(value, "kid", `${where}.privateKeyJwt`, false), alg };
}
function parseProvider(entry, where) {
  const preset = text(entry, "preset", where, false);
  if (preset !== null && !Object.hasOwn(presets, preset)) throw new Error(`${where}.preset must be one of ${Object.keys(presets).join(", ")} (got "${preset}")`);
  const kind = preset === "github" ? "github" : "oidc";
  const known = /* @__PURE__ */ new Set([...common, ...preset === null ? [] : presets[preset]?.members ?? []]);
  const unknown = Object.keys(entry).find((key) => !known.has(key));
  if (unknown !== void 0) throw new Error(`${where}.${unknown} is unknown${preset === null ? "" : ` for preset ${preset}`}`);
  let issuer = null;
  let multiTenantIssuer = null;
  let github = null;
  if (preset !== null && entry["issuer"] !== void 0) throw new Error(`${where}: give either "preset" or "issuer", not both`);
  if (preset === "github") {
    const site = baseUrl(entry["baseUrl"] ?? "https://github.com", `${where}.baseUrl`);
    const api = entry["apiUrl"] ?? (site === "https://github.com" ? "https://api.github.com" : `${site}/api/v3`);
    github = { baseUrl: site, apiUrl: baseUrl(api, `${where}.apiUrl`) };
  } else if (preset !== null) {
    ({ issuer, multiTenantIssuer } = presetIssuer(preset, entry, where));
  } else if (entry["issuer"] === void 0) {
    throw new Error(`${where} needs "preset" (${Object.keys(presets).join(", ")}) or "issuer" (any OpenID Connect provider)`);
  } else {
    baseUrl(entry["issuer"], `${where}.issuer`);
    issuer = entry["issuer"];
  }
  const id = preset === null ? text(entry, "id", where, true) : text(entry, "id", where, false) ?? preset;
  if (!/^[a-z0-9-]{1,32}$/.test(id)) throw new Error(`${where}.id must be 1 to 32 lower-case letters, digits and "-" (got "${id}")`);
  if (id === "host") throw new Error(`${where}.id "host" is reserved for a host app's users: choose another id`);
  const name = text(entry, "name", where, false) ?? (preset === null ? id : presets[preset].name);
  if (name.length > 100) throw new Error(`${where}.name must be at most 100 characters`);
  const clientSecret = text(entry, "clientSecret", where, false);
  const clientSecretFile = text(entry, "clientSecretFile", where, false);
  const privateKeyJwt = parsePrivateKeyJwt(entry["privateKeyJwt"], where);
  if (kind === "github" && privateKeyJwt !== null) throw new Error(`${where}.privateKeyJwt is not supported by GitHub: use clientSecret or clientSecretFile`);
  const credentials = [clientSecret, clientSecretFile, privateKeyJwt].filter((c) => c !== null).length;
  if (credentials !== 1) {
    throw new Error(`${where} needs exactly one of clientSecret, clientSecretFile${kind === "oidc" ? " or privateKeyJwt" : ""} (got ${credentials})`);
  }
  const scopes = entry["scopes"] === void 0 ? kind === "oidc" ? ["openid", "email", "profile"] : ["read:user", "user:email"] : stringList(entry["scopes"], `${where}.scopes`);
  if (scopes.some((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) throw new Error(`${where}.scopes must be scope names (RFC 6749 \xA73.3)`);
  if (kind === "oidc" && !scopes.includes("openid")) throw new Error(`${where}.scopes must include openid`);
  return {
    id,
    name,
    kind,
    issuer,
    clientId: text(entry, "clientId", where, true),
    clientSecret,
    clientSecretFile,
    privateKeyJwt,
    scopes,
    claims: parseClaims(entry["claims"], where),
    github,
    multiTenantIssuer
  };
}
function parseIdentityProviders(value) {
  if (!Array.isArray(value)) throw new Error('identity.providers must be a list of providers ({"preset": "google", "clientId", "clientSecret"} or {"id", "issuer", \u2026})');
  const result = [];
  value.forEach((entry, index) => {
    const where = `identity.providers[${index}]`;
    if (!isObject(entry)) throw new Error(`${where} must be an object`);
    const provider = parseProvider(entry, where);
    if (result.some((p) => p.id === provider.id)) throw new Error(`${where}.id "${provider.id}" is used by another provider: give each an "id" of its own`);
    result.push(provider);
  });
  return result;
}
function parseIdentityRule(value, where = "identity rule", { allowAnyone = true } = {}) {
  if (!isObject(value)) throw new Error(`${where} must be an object such as {"emailDomains": ["example.com"]}`);
  const rule = {};
  for (const [member, raw] of Object.entries(value)) {
    const at = `${where}.${member}`;
    switch (member) {
      case "emailDomains":
        rule.emailDomains = list(raw, at).map((domain) => {
          const plain = domain.toLowerCase().replace(/^@/, "");
          if (!hostName.test(plain)) throw new Error(`${at} must hold domain names such as example.com (got "${domain}")`);
          return plain;
        });
        break;
      case "emails":
        rule.emails = list(raw, at).map((email) => {
          if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`${at} must hold email addresses (got "${email}")`);
          return email.toLowerCase();
        });
        break;
      case "claim": {
        if (!isObject(raw) || typeof raw["name"] !== "string" || raw["name"] === "") throw new Error(`${at} must be {"name": "groups", "values": ["staff"]}`);
        const extra = Object.keys(raw).find((key) => key !== "name" && key !== "values" && key !== "provider");
        if (extra !== void 0) throw new Error(`${at}.${extra} is unknown (name, values, provider)`);
        if (/^email/i.test(raw["name"])) throw new Error(`${at}.name cannot be "${raw["name"]}": use emails or emailDomains, which match only verified addresses`);
        const provider = raw["provider"];
        if (provider !== void 0 && (typeof provider !== "string" || provider === "")) throw new Error(`${at}.provider must be the id of a configured provider`);
        rule.claim = { name: raw["name"], values: list(raw["values"], `${at}.values`), ...provider === void 0 ? {} : { provider } };
        break;
      }
      case "anyone":
        if (!allowAnyone) throw new Error(`${at} is not allowed here: name the people (emails, emailDomains or claim)`);
        if (typeof raw !== "boolean") throw new Error(`${at} must be true or false`);
        rule.anyone = raw;
        break;
      default:
        throw new Error(`${at} is unknown (emailDomains, emails, claim${allowAnyone ? ", anyone" : ""})`);
    }
  }
  return rule;
}
function list(value, where) {
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item === "")) throw new Error(`${where} must be a list of non-empty strings`);
  return [...new Set(value)];
}
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
export {
  isLoopbackUrl,
  parseIdentityProviders,
  parseIdentityRule
};
//# sourceMappingURL=identity.js.map
