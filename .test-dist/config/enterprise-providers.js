import { isLoopbackUrl } from "./identity.js";
const reservedIds = /* @__PURE__ */ new Set(["host", "local"]);
const publicKeyTypes = /* @__PURE__ */ new Set(["RSA", "EC", "OKP"]);
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
function parseEnterpriseProviders(value) {
  if (!Array.isArray(value)) throw new Error('identity.enterpriseProviders must be a list of providers ({"id", "issuer", "jwksUri"} or {"id", "issuer", "jwks"})');
  const result = [];
  value.forEach((entry, index) => {
    const where = `identity.enterpriseProviders[${index}]`;
    if (!isObject(entry)) throw new Error(`${where} must be an object`);
    const provider = parseProvider(entry, where);
    if (result.some((p) => p.id === provider.id)) throw new Error(`${where}.id "${provider.id}" is used by another enterprise provider`);
    if (result.some((p) => p.issuer === provider.issuer)) throw new Error(`${where}.issuer "${provider.issuer}" is configured twice`);
    result.push(provider);
  });
  return result;
}
function parseProvider(entry, where) {
  const unknown = Object.keys(entry).find((key) => !["id", "issuer", "jwks", "jwksUri"].includes(key));
  if (unknown !== void 0) throw new Error(`${where}.${unknown} is unknown (id, issuer, jwks, jwksUri)`);
  const id = entry["id"];
  if (typeof id !== "string" || !/^[a-z0-9-]{1,32}$/.test(id)) throw new Error(`${where}.id must be 1 to 32 lower-case letters, digits and "-"`);
  if (reservedIds.has(id)) throw new Error(`${where}.id "${id}" is reserved: choose another id`);
  const issuer = entry["issuer"];
  if (typeof issuer !== "string" || !URL.canParse(issuer) || issuer.length > 2048) throw new Error(`${where}.issuer must be an absolute URL`);
  if (!secureUrl(issuer)) throw new Error(`${where}.issuer must use https (http only for localhost, 127.0.0.0/8 and [::1])`);
  const { jwks, jwksUri } = entry;
  if (jwks === void 0 === (jwksUri === void 0)) throw new Error(`${where} needs exactly one of "jwks" and "jwksUri"`);
  if (jwksUri !== void 0) {
    if (typeof jwksUri !== "string" || !URL.canParse(jwksUri) || !secureUrl(jwksUri)) {
      throw new Error(`${where}.jwksUri must be an https URL (http only for localhost, 127.0.0.0/8 and [::1])`);
    }
    return { id, issuer, jwks: null, jwksUri };
  }
  return { id, issuer, jwks: parseJwks(jwks, `${where}.jwks`), jwksUri: null };
}
function parseJwks(value, where) {
  if (!isObject(value) || !Array.isArray(value["keys"]) || value["keys"].length === 0 || !value["keys"].every(isObject)) {
    throw new Error(`${where} must be a JWK Set with at least one key ({"keys": [...]})`);
  }
  const keys = value["keys"];
  keys.forEach((key, i) => {
    if (typeof key["kty"] !== "string" || !publicKeyTypes.has(key["kty"])) throw new Error(`${where}.keys[${i}].kty must be RSA, EC or OKP (a public key)`);
    const secret = privateMembers.find((member) => key[member] !== void 0);
    if (secret !== void 0) throw new Error(`${where}.keys[${i}] holds private key material ("${secret}"): configure the public key only`);
  });
  return { keys };
}
function secureUrl(value) {
  const url = new URL(value);
  return url.protocol === "https:" || url.protocol === "http:" && isLoopbackUrl(url);
}
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
export {
  parseEnterpriseProviders
};
//# sourceMappingURL=enterprise-providers.js.map
