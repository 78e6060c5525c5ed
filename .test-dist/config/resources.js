const identityScopes = ["openid", "profile", "email", "offline_access"];
const known = /* @__PURE__ */ new Set(["uri", "name", "scopes", "machineClients", "default"]);
function parseResources(value) {
  if (!Array.isArray(value)) return 'a list of resources ({"uri", "name", "scopes", "machineClients"})';
  const result = [];
  for (const raw of value) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "resources as objects";
    const entry = raw;
    const uri = entry["uri"];
    if (typeof uri !== "string" || !URL.canParse(uri)) return 'resources with an absolute "uri"';
    const unknown = Object.keys(entry).find((key) => !known.has(key));
    if (unknown !== void 0) return `known members only for resource ${uri} (unknown "${unknown}")`;
    const url = new URL(uri);
    if (url.protocol !== "https:" && url.protocol !== "http:") return `an http or https "uri" for resource ${uri}`;
    if (uri.includes("#") || url.username || url.password) return `a "uri" without fragment or user information for resource ${uri}`;
    const name = entry["name"] ?? url.host;
    if (typeof name !== "string" || name.trim() === "" || name.length > 200) return `a "name" of 1 to 200 characters for resource ${uri}`;
    const scopes = entry["scopes"] ?? [];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== "string" || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
      return `"scopes" as a list of scope names (RFC 6749 \xA73.3) for resource ${uri}`;
    }
    for (const flag of ["machineClients", "default"]) {
      if (entry[flag] !== void 0 && typeof entry[flag] !== "boolean") return `"${flag}" as true or false for resource ${uri}`;
    }
    result.push({ uri, name, scopes: [...new Set(scopes)], machineClients: entry["machineClients"] === true, default: entry["default"] === true });
  }
  if (result.filter((r) => r.default).length > 1) return 'at most one resource with "default": true';
  return result;
}
function resourceKey(uri) {
  if (!URL.canParse(uri)) return void 0;
  const url = new URL(uri);
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}${url.search}`;
}
export {
  identityScopes,
  parseResources,
  resourceKey
};
//# sourceMappingURL=resources.js.map
