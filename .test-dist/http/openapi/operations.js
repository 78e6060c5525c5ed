import { schemaRef } from "./registration-schemas.js";
import { errorResponses } from "./schemas.js";
const serverFailures = ["server_error", "temporarily_unavailable"];
const bodyFailures = ["payload_too_large", "unsupported_media_type"];
const metadataFailures = [
  "invalid_request",
  "invalid_redirect_uri",
  "invalid_client_metadata",
  "invalid_software_statement",
  "unapproved_software_statement"
];
const json = (schema, description, cacheControl) => ({
  description,
  ...cacheControl ? { headers: { "Cache-Control": { description: `\`${cacheControl}\``, schema: { type: "string", const: cacheControl } } } } : {},
  content: { "application/json": { schema } }
});
const jsonBody = (name) => ({ required: true, content: { "application/json": { schema: schemaRef(name) } } });
const formBody = (name) => ({ required: true, content: { "application/x-www-form-urlencoded": { schema: schemaRef(name) } } });
const clientAuthentication = [{ clientSecretBasic: [] }, {}];
function metadataOperation(operationId, summary) {
  return {
    get: {
      operationId,
      tags: ["discovery"],
      summary,
      responses: { "200": json(schemaRef("ServerMetadata"), "The metadata.", "public, max-age=300") }
    }
  };
}
function registrationOperations(config, path, alias) {
  const suffix = alias === 0 ? "" : `Alias${alias}`;
  const note = alias === 0 ? "" : ` Served here as an alias of \`${config.registration.path}\`; \`registration_client_uri\` lives below this alias.`;
  const protectedMode = config.registration.mode === "protected";
  const clientId = { name: "client_id", in: "path", required: true, schema: { type: "string" } };
  const asClient = [{ registrationAccessToken: [] }];
  return {
    [path]: {
      post: {
        operationId: `registerClient${suffix}`,
        tags: ["registration"],
        summary: "Register a client (RFC 7591 \xA73)",
        description: (protectedMode ? "Registration is protected: an initial access token (RFC 7591 \xA73) is required as a bearer token." : "Open registration, rate-limited per client address. An initial access token may be presented to register under its policy.") + note,
        security: protectedMode ? [{ initialAccessToken: [] }] : [{}, { initialAccessToken: [] }],
        requestBody: jsonBody("ClientRegistrationRequest"),
        responses: {
          "201": json(schemaRef("ClientInformation"), "The client is registered (stored durably before this answer).", "no-store"),
          ...errorResponses([...metadataFailures, "invalid_token", ...bodyFailures, "rate_limited", ...serverFailures])
        }
      }
    },
    [`${path}/{client_id}`]: {
      parameters: [clientId],
      get: {
        operationId: `readClient${suffix}`,
        tags: ["registration"],
        summary: "Read the client's registration (RFC 7592 \xA72.1)",
        security: asClient,
        responses: { "200": json(schemaRef("ClientConfiguration"), "The registration.", "no-store"), ...errorResponses(["invalid_token", ...serverFailures]) }
      },
      put: {
        operationId: `updateClient${suffix}`,
        tags: ["registration"],
        summary: "Replace the client's metadata (RFC 7592 \xA72.2)",
        description: "Rotates the registration access token. A client that becomes confidential gets a secret; one that becomes public loses it.",
        security: asClient,
        requestBody: jsonBody("ClientUpdateRequest"),
        responses: {
          "200": json(schemaRef("ClientConfiguration"), "The new registration, with a new `registration_access_token`.", "no-store"),
          ...errorResponses([...metadataFailures, "invalid_token", ...bodyFailures, ...serverFailures])
        }
      },
      delete: {
        operationId: `deleteClient${suffix}`,
        tags: ["registration"],
        summary: "Delete the client (RFC 7592 \xA72.3)",
        description: "Every grant and token of the client is revoked at once.",
        security: asClient,
        responses: { "204": { description: "Deleted." }, ...errorResponses(["invalid_token", ...serverFailures]) }
      }
    }
  };
}
const query = (name, description, schema = { type: "string" }, required = false) => ({
  name,
  in: "query",
  required,
  description,
  schema
});
const html = (description) => ({ description, content: { "text/html": { schema: { type: "string" } } } });
const authorizeOperation = {
  get: {
    operationId: "authorize",
    tags: ["authorization"],
    summary: "Start an authorization (OAuth 2.1 \xA74.1.1)",
    description: "Opened in the user's browser. The user signs in and consents on HTML pages (their form posts are not part of this API), then the browser is redirected to `redirect_uri` with `code`, `state` and `iss` (RFC 9207), or with `error`.",
    parameters: [
      query("response_type", "Only `code`. Required unless `request_uri`.", { enum: ["code"] }),
      query("client_id", "A registered client, or an `https` URL of a Client ID Metadata Document.", { type: "string" }, true),
      query(
        "request_uri",
        "RFC 9126: the `request_uri` from the pushed authorization request endpoint, single-use; the other parameters then come from the pushed request (`client_id` must match).",
        { type: "string", pattern: "^urn:ietf:params:oauth:request_uri:" }
      ),
      query("redirect_uri", "One of the registered redirect URIs (a loopback one on any port); may be left out when only one is registered."),
      query("code_challenge", "PKCE (RFC 7636), required unless `request_uri`: the base64url SHA-256 of the verifier.", { type: "string", pattern: "^[A-Za-z0-9_-]{43}$" }),
      query("code_challenge_method", "Only `S256`. Required unless `request_uri`.", { enum: ["S256"] }),
      query("scope", "Space-separated; scopes this server or the client's policy do not offer are left out of the grant, not refused."),
      query("state", "Returned unchanged with the response."),
      query("resource", "RFC 8707: the resource the tokens are for.", { type: "string", format: "uri" }),
      query("nonce", "OpenID Connect: copied into the ID token."),
      query("prompt", "`none` (no page: `login_required` or `consent_required`), `login`, `consent`.", { enum: ["none", "login", "consent"] })
    ],
    responses: {
      "200": html("The sign-in or consent page."),
      "302": {
        description: "To `redirect_uri` with `code`, `state` and `iss`, or with `error` (`invalid_request`, `unsupported_response_type`, `unauthorized_client`, `invalid_target`, `access_denied`, `login_required`, `consent_required`), `error_description`, `state` and `iss`.",
        headers: { Location: { description: "The redirect URI with the response parameters.", schema: { type: "string", format: "uri" } } }
      },
      "400": html(
        "An error page, when the client or its redirect URI cannot be trusted with a redirect (unknown client, unregistered redirect URI, a repeated parameter, an unknown, expired, used or foreign `request_uri`)."
      )
    }
  }
};
const tokenEndpointOperations = {
  "/token": {
    post: {
      operationId: "requestToken",
      tags: ["tokens"],
      summary: "Exchange a grant for tokens (RFC 6749 \xA73.2)",
      description: "Rate-limited per client address. An unknown client gets `401 invalid_client`, after which agents register again.",
      security: clientAuthentication,
      requestBody: formBody("TokenRequest"),
      responses: {
        "200": json(schemaRef("TokenResponse"), "The tokens.", "no-store"),
        ...errorResponses([
          "invalid_request",
          "invalid_grant",
          "unauthorized_client",
          "unsupported_grant_type",
          "invalid_scope",
          "invalid_target",
          "invalid_client",
          ...bodyFailures,
          "rate_limited",
          ...serverFailures
        ])
      }
    }
  },
  "/revoke": {
    post: {
      operationId: "revokeToken",
      tags: ["tokens"],
      summary: "Revoke a token (RFC 7009)",
      description: "Revoking a refresh token revokes its grant. An unknown or foreign token is answered `200` all the same (RFC 7009 \xA72.2).",
      security: clientAuthentication,
      requestBody: formBody("TokenReference"),
      responses: { "200": { description: "Revoked, or nothing to revoke. No body." }, ...errorResponses(["invalid_request", "invalid_client", ...bodyFailures, ...serverFailures]) }
    }
  },
  "/introspect": {
    post: {
      operationId: "introspectToken",
      tags: ["tokens"],
      summary: "Introspect a token (RFC 7662)",
      description: "For confidential clients (resource servers) only: a public client gets `401 invalid_client`.",
      security: clientAuthentication,
      requestBody: formBody("TokenReference"),
      responses: {
        "200": json(schemaRef("IntrospectionResponse"), "Whether the token is active, and what it carries.", "no-store"),
        ...errorResponses(["invalid_request", "invalid_client", ...bodyFailures, ...serverFailures])
      }
    }
  }
};
const resourceOperations = {
  "/jwks.json": {
    get: {
      operationId: "getJwks",
      tags: ["discovery"],
      summary: "The public signing keys (RFC 7517)",
      responses: { "200": json(schemaRef("JsonWebKeySet"), "The key set.", "public, max-age=300"), ...errorResponses(serverFailures) }
    }
  },
  "/userinfo": {
    get: {
      operationId: "getUserInfo",
      tags: ["userinfo"],
      summary: "Claims about the user (OpenID Connect Core \xA75.3)",
      description: "The access token must be active and carry `openid`; claims follow its other scopes.",
      security: [{ accessToken: [] }],
      responses: { "200": json(schemaRef("UserInfo"), "The claims.", "no-store"), ...errorResponses(["invalid_token", "insufficient_scope", ...serverFailures]) }
    }
  },
  "/openapi.json": {
    get: {
      operationId: "getOpenApiDocument",
      tags: ["documentation"],
      summary: "This document",
      responses: {
        "200": json({ type: "object", required: ["openapi", "info", "paths"], description: "An OpenAPI 3.1 document." }, "This document.", "public, max-age=300")
      }
    }
  }
};
const status = (values) => ({
  type: "object",
  required: Object.keys(values),
  properties: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { const: value }]))
});
function operationalOperations(config) {
  const operations = {
    "/healthz": {
      get: {
        operationId: "getHealth",
        tags: ["operational"],
        summary: "Liveness",
        responses: { "200": json(status({ status: "ok" }), "The process is up.") }
      }
    },
    "/readyz": {
      get: {
        operationId: "getReadiness",
        tags: ["operational"],
        summary: "Readiness: the database is reachable and takes writes",
        responses: {
          "200": json(status({ status: "ready", database: "ok" }), "Ready to serve."),
          "503": json(
            {
              type: "object",
              required: ["status", "database"],
              properties: { status: { const: "not ready" }, database: { enum: ["unavailable", "not writable"] } }
            },
            "The database cannot be reached, or refuses writes (a full disk) until a probe write succeeds again (or the server is shutting down)."
          )
        }
      }
    }
  };
  if (config.metrics.enabled) {
    const guarded = config.metrics.bearerToken !== null;
    operations[config.metrics.path] = {
      get: {
        operationId: "getMetrics",
        tags: ["operational"],
        summary: "Prometheus metrics",
        description: "Operational, not a protocol endpoint: keep it off the internet (or set `metrics.bearerToken`).",
        ...guarded ? { security: [{ metricsToken: [] }] } : {},
        responses: {
          "200": {
            description: "The Prometheus text exposition format.",
            headers: { "Cache-Control": { description: "`no-store`", schema: { type: "string", const: "no-store" } } },
            content: { "text/plain": { schema: { type: "string" } } }
          },
          ...guarded ? errorResponses(["invalid_token"]) : {}
        }
      }
    };
  }
  return operations;
}
export {
  authorizeOperation,
  metadataOperation,
  operationalOperations,
  registrationOperations,
  resourceOperations,
  tokenEndpointOperations
};
//# sourceMappingURL=operations.js.map
