import { readFileSync } from "node:fs";
import { metadataPaths } from "../protocol/server-metadata.js";
import {
  authorizeOperation,
  metadataOperation,
  operationalOperations,
  registrationOperations,
  resourceOperations,
  tokenEndpointOperations
} from "./openapi/operations.js";
import { parOperation } from "./openapi/par-operation.js";
import { componentSchemas } from "./openapi/schemas.js";
const pagePaths = ["/login", "/consent", "/signin", "/signout", "/account", "/admin"];
function packageVersion() {
  try {
    return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
  } catch {
    return "unknown";
  }
}
const version = packageVersion();
const tags = [
  { name: "discovery", description: "Server metadata (RFC 8414, OpenID Connect Discovery) and signing keys." },
  { name: "registration", description: "Dynamic client registration (RFC 7591) and client configuration (RFC 7592)." },
  { name: "authorization", description: "The authorization endpoint, opened in the user's browser." },
  { name: "tokens", description: "Token issuance, revocation (RFC 7009) and introspection (RFC 7662)." },
  { name: "userinfo", description: "OpenID Connect UserInfo." },
  { name: "operational", description: "Health, readiness and metrics, for load balancers and monitoring: not protocol endpoints, served at the server root." },
  { name: "documentation", description: "This document." }
];
function securitySchemes(config) {
  return {
    clientSecretBasic: {
      type: "http",
      scheme: "basic",
      description: "`client_secret_basic` (RFC 6749 \xA72.3.1): the client id and secret, each form-urlencoded, as Basic credentials. `client_secret_post` sends them as `client_id` and `client_secret` in the form instead, and public clients (`none`) send only `client_id`."
    },
    registrationAccessToken: {
      type: "http",
      scheme: "bearer",
      description: "The `registration_access_token` of the registration response (RFC 7592 \xA73)."
    },
    initialAccessToken: {
      type: "http",
      scheme: "bearer",
      description: "An initial access token (RFC 7591 \xA73), created with `latchkey iat create` or on the dashboard."
    },
    accessToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An access token from the token endpoint (RFC 6750)." },
    ...config.metrics.enabled && config.metrics.bearerToken !== null ? { metricsToken: { type: "http", scheme: "bearer", description: "The configured `metrics.bearerToken`." } } : {}
  };
}
const description = (pages) => [
  "Latchkey's public protocol endpoints: discovery, dynamic client registration and management, authorization, tokens, revocation, introspection, keys and UserInfo, plus health, readiness and metrics for operators.",
  'The API endpoints answer CORS requests from any origin (they take no cookies). Every error is JSON with `Cache-Control: no-store`: `{"error", "error_description"}`, except `429`, whose body is `{"errors": ["\u2026"]}`.',
  `Out of scope: the HTML pages a person uses, and their form posts: ${pages}. They need a session cookie and a CSRF token, and answer with pages.`
].join("\n\n");
function openapiDocument(config) {
  const issuer = new URL(config.issuer);
  const base = issuer.pathname.replace(/\/+$/, "");
  const paths = {};
  const atRoot = (path, item) => {
    if (base === "") paths[path] = item;
    else if (path.startsWith(`${base}/`)) paths[path.slice(base.length)] = item;
    else paths[path] = { ...item, servers: [{ url: issuer.origin, description: "The server root, outside the issuer path." }] };
  };
  for (const path of metadataPaths(config.issuer)) {
    const openid = path.includes("/.well-known/openid-configuration");
    const canonical = base === "" || (openid ? !path.startsWith("/.well-known/") : path.startsWith("/.well-known/"));
    const name = openid ? "getOpenIdConfiguration" : "getAuthorizationServerMetadata";
    atRoot(
      path,
      metadataOperation(
        canonical ? name : `${name}${openid ? "Inserted" : "Appended"}`,
        openid ? "OpenID Connect Discovery metadata" : "Authorization server metadata (RFC 8414)"
      )
    );
  }
  Object.assign(paths, resourceOperations);
  [config.registration.path, ...config.registration.aliases].forEach(
    (path, alias) => Object.assign(paths, registrationOperations(config, path, alias))
  );
  paths["/authorize"] = authorizeOperation;
  paths["/par"] = parOperation;
  Object.assign(paths, tokenEndpointOperations);
  for (const [path, item] of Object.entries(operationalOperations(config))) atRoot(path, item);
  return {
    openapi: "3.1.0",
    info: {
      title: "Latchkey",
      version,
      summary: "OAuth 2.1 authorization server for MCP servers and AI agents, built around Dynamic Client Registration.",
      description: description(pagePaths.map((path) => `\`${base}${path}\``).join(", ")),
      license: { name: "Apache-2.0", identifier: "Apache-2.0" }
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    servers: [{ url: config.issuer, description: "The issuer." }],
    tags,
    paths,
    components: { schemas: componentSchemas(config), securitySchemes: securitySchemes(config) }
  };
}
export {
  openapiDocument,
  pagePaths
};
//# sourceMappingURL=openapi-document.js.map
