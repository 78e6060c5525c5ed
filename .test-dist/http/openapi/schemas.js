import { errorCodes } from "../../errors/codes.js";
import { serverMetadata } from "../../protocol/server-metadata.js";
import { clientInformationSchema, clientUpdateRequestSchema, registrationRequestSchema, schemaRef } from "./registration-schemas.js";
const clientAuthenticationParameters = {
  client_id: {
    type: "string",
    description: "The client, for `none` and `client_secret_post`. With HTTP Basic it may be repeated here, and must then be the same."
  },
  client_secret: { type: "string", description: "For `client_secret_post` only; never together with HTTP Basic." }
};
const resourceParameter = { type: "string", format: "uri", description: "RFC 8707: the resource the token is for (its `aud`)." };
function tokenRequestSchemas(grantTypes) {
  const grant = (type, required, properties) => ({
    type: "object",
    required: ["grant_type", ...required],
    properties: { grant_type: { const: type }, ...properties, ...clientAuthenticationParameters }
  });
  const all = {
    TokenRequestAuthorizationCode: grant("authorization_code", ["code", "code_verifier"], {
      code: { type: "string", description: "The authorization code; single use, valid for 60 seconds." },
      code_verifier: { type: "string", pattern: "^[A-Za-z0-9._~-]{43,128}$", description: "The PKCE verifier (RFC 7636 \xA74.1) of the S256 challenge." },
      redirect_uri: { type: "string", description: "The redirect URI of the authorization request; may be left out only by a client with a single one." },
      resource: { ...resourceParameter, description: "RFC 8707: when sent, the resource of the authorization request." }
    }),
    TokenRequestRefreshToken: grant("refresh_token", ["refresh_token"], {
      refresh_token: { type: "string", description: "The refresh token. It rotates: the response carries the next one, and a used one revokes the grant." },
      scope: { type: "string", description: "A narrower scope than granted; by default the granted scope." },
      resource: { ...resourceParameter, description: "RFC 8707: when sent, the resource of the grant." }
    }),
    TokenRequestClientCredentials: grant("client_credentials", [], {
      scope: { type: "string", description: "By default the scope the client registered, less user-only scopes." },
      resource: resourceParameter
    })
  };
  const byGrant = {
    authorization_code: "TokenRequestAuthorizationCode",
    refresh_token: "TokenRequestRefreshToken",
    client_credentials: "TokenRequestClientCredentials"
  };
  const offered = grantTypes.filter((type) => byGrant[type] !== void 0);
  return {
    ...Object.fromEntries(offered.map((type) => [byGrant[type], all[byGrant[type]]])),
    TokenRequest: {
      oneOf: offered.map((type) => schemaRef(byGrant[type])),
      discriminator: {
        propertyName: "grant_type",
        mapping: Object.fromEntries(offered.map((type) => [type, `#/components/schemas/${byGrant[type]}`]))
      }
    }
  };
}
const tokenResponseSchema = {
  type: "object",
  required: ["access_token", "token_type", "expires_in", "scope"],
  properties: {
    access_token: { type: "string", description: "A signed JWT (RFC 9068, `typ: at+jwt`) with `iss`, `sub`, `aud`, `client_id`, `scope`, `jti`, `iat`, `exp`." },
    token_type: { enum: ["Bearer", "DPoP"], description: "`DPoP` when the request carried a DPoP proof (RFC 9449): the access token is bound to its key (`cnf.jkt`)." },
    expires_in: { type: "integer", description: "Seconds until the access token expires." },
    scope: { type: "string", description: "The scope granted." },
    refresh_token: { type: "string", description: "Opaque; issued to clients that registered the `refresh_token` grant (never for client credentials)." },
    id_token: { type: "string", description: "An OpenID Connect ID token, when `openid` was granted to a user." }
  }
};
const numericDate = (description) => ({ type: "integer", description: `${description}, in seconds since the epoch.` });
const introspectionSchema = {
  type: "object",
  required: ["active"],
  properties: {
    active: { type: "boolean" },
    token_type: { enum: ["Bearer", "DPoP", "refresh_token"], description: "`Bearer` or, for a token bound to a DPoP key, `DPoP` for an access token." },
    cnf: { type: "object", description: "For a DPoP-bound access token: `jkt`, the thumbprint of its key (RFC 9449 \xA76.2)." },
    scope: { type: "string" },
    client_id: { type: "string" },
    sub: { type: "string", description: "The user; the client's own id for client credentials." },
    iss: { type: "string" },
    aud: { type: "string", description: "The resource (RFC 8707) an access token is for; the issuer when none was named." },
    iat: numericDate("When it was issued"),
    exp: numericDate("When it expires"),
    jti: { type: "string" },
    auth_time: numericDate("When the user signed in")
  }
};
const userinfoSchema = {
  type: "object",
  required: ["sub"],
  properties: {
    sub: { type: "string" },
    preferred_username: { type: "string", description: "With the `profile` scope." },
    name: { type: "string", description: "With the `profile` scope, when known." },
    email: { type: "string", description: "With the `email` scope, when known." }
  }
};
const jwksSchema = {
  type: "object",
  required: ["keys"],
  description: "The public signing keys (RFC 7517 \xA75): the current one and those retired within their grace period.",
  properties: {
    keys: {
      type: "array",
      items: {
        type: "object",
        required: ["kty", "kid", "alg", "use"],
        properties: { kty: { type: "string" }, kid: { type: "string" }, alg: { type: "string" }, use: { const: "sig" } }
      }
    }
  }
};
function serverMetadataSchema(config) {
  const document = serverMetadata(config);
  const typeOf = (value) => Array.isArray(value) ? { type: "array", items: { type: "string" } } : { type: typeof value === "boolean" ? "boolean" : "string" };
  return {
    type: "object",
    required: Object.keys(document),
    properties: Object.fromEntries(Object.entries(document).map(([name, value]) => [name, typeOf(value)])),
    examples: [document]
  };
}
function wireCodes(codes) {
  return [...new Set(codes.filter((code) => code !== "rate_limited").map((code) => errorCodes[code].wire))];
}
function componentSchemas(config) {
  const grantTypes = serverMetadata(config)["grant_types_supported"];
  return {
    ClientRegistrationRequest: registrationRequestSchema(config),
    ClientUpdateRequest: clientUpdateRequestSchema(),
    ClientInformation: clientInformationSchema(config, true),
    ClientConfiguration: clientInformationSchema(config, false),
    ...tokenRequestSchemas(grantTypes),
    TokenResponse: tokenResponseSchema,
    TokenReference: {
      type: "object",
      required: ["token"],
      properties: {
        token: { type: "string" },
        token_type_hint: { enum: ["access_token", "refresh_token"], description: "Where to look first; the other kind is tried too." },
        ...clientAuthenticationParameters
      }
    },
    IntrospectionResponse: introspectionSchema,
    UserInfo: userinfoSchema,
    JsonWebKeySet: jwksSchema,
    ServerMetadata: serverMetadataSchema(config),
    Error: {
      type: "object",
      required: ["error", "error_description"],
      description: "RFC 6749 \xA75.2, RFC 7591 \xA73.2.2. `error_description` is for developers, not for parsing.",
      properties: {
        error: { type: "string", enum: wireCodes(Object.keys(errorCodes)) },
        error_description: { type: "string" }
      }
    },
    RateLimited: {
      type: "object",
      required: ["errors"],
      description: "The body of every `429` (the Datadog seed's shape), with `Retry-After`.",
      properties: { errors: { type: "array", minItems: 1, items: { type: "string" } } }
    }
  };
}
const noStore = { description: "`no-store`", schema: { type: "string", const: "no-store" } };
const headers = {
  retryAfter: { description: "Seconds to wait before trying again.", schema: { type: "integer" } },
  wwwAuthenticate: { description: "The authentication scheme expected (RFC 6750 \xA73; `Basic` for client authentication).", schema: { type: "string" } }
};
function errorResponses(codes) {
  const byStatus = /* @__PURE__ */ new Map();
  for (const code of codes) byStatus.set(errorCodes[code].status, [...byStatus.get(errorCodes[code].status) ?? [], code]);
  const responses = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = group.map((code) => `\`${errorCodes[code].wire}\`: ${errorCodes[code].description}`).join(" ");
    const schema = group.includes("rate_limited") ? schemaRef("RateLimited") : { allOf: [schemaRef("Error"), { properties: { error: { enum: wireCodes(group) } } }] };
    responses[String(status)] = {
      description,
      headers: {
        "Cache-Control": noStore,
        ...status === 401 ? { "WWW-Authenticate": headers.wwwAuthenticate } : {},
        ...status === 429 || status === 503 ? { "Retry-After": headers.retryAfter } : {}
      },
      content: { "application/json": { schema } }
    };
  }
  return responses;
}
export {
  componentSchemas,
  errorResponses
};
//# sourceMappingURL=schemas.js.map
