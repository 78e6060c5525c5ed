import { readFileSync } from "node:fs";
import { options } from "./defaults.js";
import { checkGateway, gatewayEnabled, gatewayResourceUri, withGatewayResource } from "./gateway.js";
import { identityScopes, resourceKey } from "./resources.js";
import { parseTrustProxy } from "./trust-proxy.js";
class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = "ConfigError";
  }
}
function loadConfig(sources = {}) {
  const env = sources.env ?? {};
  const values = /* @__PURE__ */ new Map();
  for (const option of options) values.set(option.key, { value: option.default, from: "default" });
  const file = sources.file ?? env["LATCHKEY_CONFIG"];
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      if (!values.has(key)) throw new ConfigError(`Unknown configuration key "${key}" in ${file}`);
      values.set(key, { value, from: file });
    }
  }
  const settings = sources.settings === void 0 ? void 0 : flattenSettings(sources.settings, "the settings");
  for (const option of options) {
    for (const name of option.env ?? []) {
      const raw = env[name];
      if (raw !== void 0 && raw !== "") {
        values.set(option.key, { value: raw, from: `environment variable ${name}` });
        break;
      }
    }
  }
  for (const [key, value] of Object.entries(settings ?? {})) {
    if (!values.has(key)) throw new ConfigError(`Unknown configuration key "${key}" in the settings`);
    if (value !== void 0) values.set(key, { value, from: "settings" });
  }
  for (const [source, entries] of [
    ["flag", sources.flags],
    ["override", sources.overrides]
  ]) {
    for (const [key, value] of Object.entries(entries ?? {})) {
      if (value === void 0) continue;
      const option = options.find((o) => o.key === key);
      if (!option) throw new ConfigError(`Unknown configuration key "${key}" in ${source}s`);
      values.set(key, { value, from: source === "flag" ? option.flag ?? key : "override" });
    }
  }
  const config = {};
  for (const option of options) {
    const { value, from } = values.get(option.key);
    setPath(config, option.key, coerce(option, value, from));
  }
  const result = config;
  checkCrossOptionRules(result);
  if (gatewayEnabled(result.gateway)) {
    result.resources = withGatewayResource(result.resources, gatewayResourceUri(result.issuer, result.gateway.path), resourceKey, result.gateway);
  }
  if (result.resources.length > 0) result.scopes.supported = resourceScopes(result);
  const frozen = deepFreeze(result);
  loaded.add(frozen);
  return frozen;
}
const loaded = /* @__PURE__ */ new WeakSet();
function isLoadedConfig(value) {
  return loaded.has(value);
}
function readConfigFile(file) {
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`Cannot read configuration file ${file}: ${error.message}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`Configuration file ${file} must hold a JSON object`);
  return flattenSettings(parsed, file);
}
function flattenSettings(settings, origin) {
  if (!isPlainObject(settings)) throw new ConfigError(`The configuration in ${origin} must be a plain object`);
  const flat = /* @__PURE__ */ Object.create(null);
  const walk = (node, prefix) => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (isPlainObject(value) && !options.some((o) => o.key === key)) walk(value, key);
      else flat[key] = value;
    }
  };
  walk(settings, "");
  return flat;
}
function coerce(option, value, from) {
  const fail = (expected) => {
    throw new ConfigError(
      `Invalid configuration: ${option.key} (from ${from}) must be ${expected}; got ${JSON.stringify(value)}`
    );
  };
  const kind = option.kind;
  switch (kind.type) {
    case "string":
      if (typeof value !== "string" || value === "") fail("a non-empty string");
      return value;
    case "nullable-string":
      if (value === null) return null;
      if (typeof value !== "string" || value.trim() === "") fail("a non-empty string or null");
      return value;
    case "url": {
      if (typeof value !== "string" || !URL.canParse(value)) fail("an absolute URL");
      const url = new URL(value);
      if (url.protocol !== "https:" && url.protocol !== "http:") fail("an http or https URL");
      if (url.search || url.hash || /[?#]/.test(value)) fail("a URL without query or fragment");
      if (url.username || url.password) fail("a URL without user information");
      return url.origin + url.pathname.replace(/\/+$/, "");
    }
    case "path":
      if (typeof value !== "string" || !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(value)) fail("a path such as /register");
      return value;
    case "int": {
      const number = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof number !== "number" || !Number.isInteger(number) || number < kind.min || number > kind.max) {
        fail(`an integer from ${kind.min} to ${kind.max}`);
      }
      return number;
    }
    case "bool":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      return fail("true or false");
    case "enum":
      if (typeof value !== "string" || !kind.values.includes(value)) fail(`one of ${kind.values.join(", ")}`);
      return value;
    case "list": {
      const list = typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : value;
      if (!Array.isArray(list)) return fail("a list (a JSON array, or comma-separated in the environment)");
      for (const item of list) {
        if (typeof item !== "string") fail("a list of strings");
        if (kind.item === "path" && !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(item)) fail("a list of paths such as /register");
      }
      return [...list];
    }
    case "duration": {
      const seconds = parseDuration(value);
      if (seconds === void 0 || seconds < kind.min || seconds > kind.max) {
        fail(`a duration from ${kind.min} to ${kind.max} seconds (a number of seconds, or like 30s, 15m, 24h, 90d)`);
      }
      return seconds;
    }
    case "trust-proxy": {
      const trust = parseTrustProxy(value);
      if (trust === void 0) fail("true, false, or a list of proxy addresses and CIDR ranges such as 127.0.0.1,10.0.0.0/8");
      return trust;
    }
    case "json": {
      let parsed = value;
      if (typeof value === "string") {
        try {
          parsed = JSON.parse(value);
        } catch {
          return fail(`${kind.describe} as JSON`);
        }
      }
      const result = kind.parse(parsed);
      if (typeof result === "string") fail(result);
      return result;
    }
  }
}
function checkCrossOptionRules(config) {
  const longestToken = Math.max(config.tokens.accessTokenTtlSeconds, config.tokens.idTokenTtlSeconds);
  if (config.keys.rotationGraceSeconds <= longestToken) {
    throw new ConfigError(
      `Invalid configuration: keys.rotationGraceSeconds (${config.keys.rotationGraceSeconds}) must be longer than the access and ID token lifetimes (${longestToken}), or tokens would stop verifying before they expire`
    );
  }
  const { policies } = config.registration;
  const named = [
    ["registration.policy", config.registration.policy],
    ...config.registration.softwareStatement.issuers.map((i) => [`the policy of software statement issuer ${i.issuer}`, i.policy ?? null])
  ];
  for (const [where, name] of named) {
    if (name !== null && !Object.hasOwn(policies, name)) {
      throw new ConfigError(`Invalid configuration: ${where} names the policy "${name}", which registration.policies does not define`);
    }
  }
  for (const [name, policy] of Object.entries(policies)) {
    if (policy.maxRedirectUris !== void 0 && policy.maxRedirectUris > config.registration.maxRedirectUris) {
      throw new ConfigError(`Invalid configuration: policy "${name}" maxRedirectUris exceeds registration.maxRedirectUris`);
    }
  }
  const gatewayProblem = checkGateway(config.gateway);
  if (gatewayProblem) throw new ConfigError(`Invalid configuration: ${gatewayProblem}`);
  const keys = config.resources.map((r) => resourceKey(r.uri));
  if (new Set(keys).size !== keys.length) {
    throw new ConfigError("Invalid configuration: resources names one resource twice (URIs are compared without case of scheme and host, default port or trailing slash)");
  }
  const { identity } = config;
  if (identity.providers.length > 0 && ruleIsEmpty(identity.allow)) {
    throw new ConfigError(
      'Invalid configuration: identity.providers is set but identity.allow names nobody: set identity.allow.emailDomains, .emails or .claim, or {"anyone": true} to let everyone with an account at the provider sign in'
    );
  }
  checkEnterpriseProviders(config);
  const providerIds = [...identity.providers, ...identity.enterpriseProviders].map((provider) => provider.id);
  for (const [key, rule] of [["identity.allow", identity.allow], ["identity.admins", identity.admins]]) {
    const claimProvider = rule.claim?.provider;
    if (claimProvider !== void 0 && !providerIds.includes(claimProvider)) {
      throw new ConfigError(`Invalid configuration: ${key}.claim.provider names "${claimProvider}", which neither identity.providers nor identity.enterpriseProviders defines`);
    }
    if (rule.claim && claimProvider === void 0 && providerIds.length > 1) {
      throw new ConfigError(
        `Invalid configuration: ${key}.claim must name the provider whose claim it trusts ("provider": one of ${providerIds.join(", ")}): a claim means what its provider makes of it, and another provider may let anyone set it`
      );
    }
  }
  const paths = [config.registration.path, ...config.registration.aliases];
  if (new Set(paths).size !== paths.length) {
    throw new ConfigError("Invalid configuration: registration.aliases repeats registration.path or another alias");
  }
}
function checkEnterpriseProviders(config) {
  const { identity } = config;
  const shared = identity.enterpriseProviders.find((enterprise) => identity.providers.some((provider) => provider.id === enterprise.id));
  if (shared) {
    throw new ConfigError(`Invalid configuration: identity.enterpriseProviders id "${shared.id}" is also the id of one of identity.providers: give each its own`);
  }
  if (identity.enterpriseProviders.length > 0 && ruleIsEmpty(identity.allow)) {
    throw new ConfigError(
      'Invalid configuration: identity.enterpriseProviders is set but identity.allow names nobody: set identity.allow.emailDomains, .emails or .claim, or {"anyone": true} to accept every user the enterprise provider asserts'
    );
  }
}
function ruleIsEmpty(rule) {
  return rule.anyone !== true && !rule.emailDomains?.length && !rule.emails?.length && rule.claim === void 0;
}
function resourceScopes(config) {
  const identity = config.scopes.supported.filter((scope) => identityScopes.includes(scope));
  return [.../* @__PURE__ */ new Set([...identity, ...config.resources.flatMap((r) => r.scopes)])];
}
const units = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
function parseDuration(value) {
  if (typeof value === "number") return Number.isInteger(value) ? value : void 0;
  if (typeof value !== "string") return void 0;
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(value);
  if (!match) return void 0;
  return Number(match[1]) * (units[match[2] || "s"] ?? 1);
}
function setPath(target, key, value) {
  const parts = key.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}
function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function deepFreeze(value) {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
export {
  ConfigError,
  isLoadedConfig,
  loadConfig,
  parseDuration
};
//# sourceMappingURL=load.js.map
