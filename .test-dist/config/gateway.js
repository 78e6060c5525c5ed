const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const toolPattern = /^[A-Za-z0-9_.\-/*?]{1,128}$/;
function parseToolScopes(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return 'an object from tool name patterns to lists of scopes, e.g. {"delete_*": ["notes:write"]}';
  const result = {};
  for (const [pattern, scopes] of Object.entries(value)) {
    if (!toolPattern.test(pattern)) return `tool name patterns of letters, digits, _ - . / and the wildcards * ? (not "${pattern.slice(0, 60)}")`;
    if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== "string" || !scopeToken.test(s))) {
      return `a non-empty list of scope names (RFC 6749 \xA73.3) for the tools "${pattern}"`;
    }
    result[pattern] = [...new Set(scopes)];
  }
  return result;
}
function parseGatewayCommand(value) {
  if (!Array.isArray(value) || value.some((part) => typeof part !== "string" || part.includes("\0"))) return "a list of strings: the program, then its arguments";
  if (value.length > 0 && value[0].trim() === "") return "a program name first";
  return [...value];
}
function gatewayEnabled(gateway) {
  return gateway.upstream !== null || gateway.command.length > 0;
}
function gatewayResourceUri(issuer, path) {
  return `${issuer.replace(/\/+$/, "")}${path}`;
}
function gatewayScopes(gateway) {
  return [.../* @__PURE__ */ new Set([...gateway.scopes, ...Object.values(gateway.toolScopes).flat()])];
}
function withGatewayResource(resources, uri, key, gateway) {
  const scopes = gatewayScopes(gateway);
  const existing = resources.findIndex((resource) => key(resource.uri) === key(uri));
  if (existing >= 0) {
    return resources.map((resource, index) => index === existing ? { ...resource, scopes: [.../* @__PURE__ */ new Set([...resource.scopes, ...scopes])] } : resource);
  }
  const gatewayResource = { uri, name: gateway.resourceName, scopes, machineClients: false, default: !resources.some((r) => r.default) };
  return [...resources, gatewayResource];
}
const reservedPaths = /^\/(\.well-known|authorize|token|register|revoke|introspect|userinfo|jwks\.json|par|login|logout|consent|account|admin|sign-in|healthz|readyz|metrics|openapi|docs|assets|static)(\/|$)/;
function checkGateway(gateway) {
  if (gateway.upstream !== null && gateway.command.length > 0) return "gateway.upstream and gateway.command are both set: the gateway fronts one MCP server, over HTTP or over stdio";
  if (gateway.upstream !== null) {
    if (!URL.canParse(gateway.upstream)) return "gateway.upstream must be an absolute http or https URL";
    const url = new URL(gateway.upstream);
    if (url.protocol !== "http:" && url.protocol !== "https:" || url.username || url.password || gateway.upstream.includes("#")) {
      return "gateway.upstream must be an http or https URL without user information or fragment";
    }
  }
  if (reservedPaths.test(gateway.path)) return `gateway.path ${gateway.path} is one of Latchkey's own paths: choose another, such as /mcp`;
  for (const name of gateway.childEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `gateway.childEnv must list environment variable names (not "${name.slice(0, 60)}")`;
  }
  return void 0;
}
export {
  checkGateway,
  gatewayEnabled,
  gatewayResourceUri,
  gatewayScopes,
  parseGatewayCommand,
  parseToolScopes,
  withGatewayResource
};
//# sourceMappingURL=gateway.js.map
