import { fallbackDefaultScope } from "../../config/defaults.js";
import { usesClientSecret } from "../../ports/client-metadata.js";
import { checkHttpsUrl, metadataFields } from "../../protocol/registration/metadata-fields.js";
import { authMethodsFor } from "../../protocol/registration/validate-metadata.js";
import { serverMetadata } from "../../protocol/server-metadata.js";
import { assertionSigningAlgorithms } from "../../protocol/client-assertion.js";
import { serverManagedFields } from "../../protocol/registration/client-configuration.js";
const schemaRef = (name) => ({ $ref: `#/components/schemas/${name}` });
function fieldDescriptions(config) {
  const authMethods = authMethodsFor(config.registration.profile);
  return {
    redirect_uris: "Redirection URIs (RFC 7591 \xA72): absolute, without fragment or user information; `https`, `http` only on a loopback address (`127.0.0.1`, `[::1]`, `localhost`; any port matches at `/authorize`, RFC 8252 \xA77.3), or a private-use scheme (`cursor://\u2026`) for public clients. Required unless `grant_types` leaves out `authorization_code`.",
    client_name: "The name shown to the user on the consent page; no control, formatting or bidirectional-override characters.",
    client_uri: "The client's home page: an absolute `https` URL.",
    logo_uri: "The client's logo: an absolute `https` URL.",
    tos_uri: "The client's terms of service: an absolute `https` URL.",
    policy_uri: "The client's privacy policy: an absolute `https` URL.",
    jwks_uri: "Where the client's public keys are published: an absolute `https` URL. Not together with `jwks`.",
    jwks: "The client's public keys as a JWK Set (RFC 7517 \xA75). Not together with `jwks_uri`; private key members are refused.",
    grant_types: 'Default `["authorization_code", "refresh_token"]`. `implicit` and `password` are refused; other grant types this server does not offer are dropped, and the response shows the registered set. `client_credentials` needs a confidential client.',
    response_types: "Only `code`, which goes with `authorization_code` (RFC 7591 \xA72.1); by default what the grant types need.",
    token_endpoint_auth_method: `How the client authenticates at the token endpoint; default \`${authMethods[0]}\`. \`private_key_jwt\` (RFC 7523) needs \`jwks\` or \`jwks_uri\`, and no secret is issued.`,
    token_endpoint_auth_signing_alg: "With `private_key_jwt`: the one JWS algorithm the client signs its assertions with (OpenID Connect Registration). Dropped for other methods.",
    scope: `Space-separated scope tokens; default \`${config.registration.defaultScope ?? fallbackDefaultScope}\`.`,
    contacts: "Ways to reach the people responsible for the client, such as e-mail addresses.",
    software_id: "An identifier of the client software, the same for every instance of it.",
    software_version: "The version of the client software.",
    software_statement: "A signed JWT from a trusted issuer (RFC 7591 \xA72.3). Its claims win over the fields of the request, and it is returned unchanged.",
    application_type: "OpenID Connect Registration: `native` or `web` (the default). Loopback and private-use redirects make it `native`.",
    require_pushed_authorization_requests: "RFC 9126 \xA76: when true, `/authorize` accepts only requests this client pushed to the pushed authorization request endpoint."
  };
}
function fieldRefinements(config, registered) {
  const authMethods = authMethodsFor(config.registration.profile);
  const grantTypes = serverMetadata(config)["grant_types_supported"];
  return {
    redirect_uris: { item: { format: "uri" } },
    // A request may name grant types the server does not offer (they are dropped); what is registered is a subset.
    grant_types: registered ? { item: { enum: grantTypes } } : { field: { default: ["authorization_code", "refresh_token"] } },
    response_types: { item: { enum: ["code"] }, ...registered ? {} : { field: { default: ["code"] } } },
    token_endpoint_auth_method: { field: { enum: [...authMethods], ...registered ? {} : { default: authMethods[0] } } },
    token_endpoint_auth_signing_alg: { field: { enum: [...assertionSigningAlgorithms] } },
    scope: registered ? {} : { field: { default: config.registration.defaultScope ?? fallbackDefaultScope } },
    application_type: { field: { enum: ["native", "web"], ...registered ? {} : { default: "web" } } },
    jwks: {
      field: {
        required: ["keys"],
        properties: { keys: { type: "array", items: { type: "object", required: ["kty"], properties: { kty: { type: "string" } } } } }
      }
    }
  };
}
function fieldSchema(name, rule, config, registered) {
  const limits = config.registration;
  const refinement = fieldRefinements(config, registered)[name] ?? {};
  const nullable = (type) => registered ? type : [type, "null"];
  const description = fieldDescriptions(config)[name];
  const text = { type: "string", maxLength: rule.maxLength(limits) };
  if (rule.check === checkHttpsUrl) Object.assign(text, { format: "uri", pattern: "^https://" });
  switch (rule.type) {
    case "string":
      return { ...text, type: nullable("string"), description, ...refinement.field };
    case "string[]":
      return {
        type: nullable("array"),
        description,
        items: { ...text, ...refinement.item },
        maxItems: rule.maxItems?.(limits) ?? 100,
        ...refinement.field
      };
    case "boolean":
      return { type: nullable("boolean"), description, ...refinement.field };
    case "object":
      return { type: nullable("object"), description: `${description} At most ${rule.maxLength(limits)} characters as JSON.`, ...refinement.field };
  }
}
function metadataProperties(config, registered) {
  return Object.fromEntries(
    Object.entries(metadataFields).map(([name, rule]) => [name, fieldSchema(name, rule, config, registered)])
  );
}
function registrationRequestSchema(config) {
  const fromStatement = { required: ["software_statement"] };
  const rules = [
    {
      anyOf: [
        { required: ["redirect_uris"], properties: { redirect_uris: { type: "array", minItems: 1 } } },
        { required: ["grant_types"], properties: { grant_types: { type: "array", not: { contains: { const: "authorization_code" } } } } },
        fromStatement
      ]
    }
  ];
  if (config.registration.profile !== "default") rules.push({ anyOf: [{ required: ["client_name"] }, fromStatement] });
  return {
    type: "object",
    description: "Client metadata (RFC 7591 \xA72). Fields not listed here are ignored and not stored; a field set to `null` counts as absent.",
    properties: metadataProperties(config, false),
    allOf: rules
  };
}
function clientUpdateRequestSchema() {
  return {
    description: "Replaces the registered metadata: omitted fields return to their defaults. Must carry `client_id`; may carry the current `client_secret`; must not carry the fields the server manages (`invalid_request`).",
    allOf: [
      schemaRef("ClientRegistrationRequest"),
      {
        type: "object",
        required: ["client_id"],
        properties: {
          client_id: { type: "string", description: "The client being updated." },
          client_secret: { type: "string", description: "When sent, it must equal the current secret." },
          ...Object.fromEntries(serverManagedFields.map((name) => [name, false]))
        }
      }
    ]
  };
}
const alwaysRegistered = [
  "redirect_uris",
  "token_endpoint_auth_method",
  "grant_types",
  "response_types",
  "scope",
  "application_type"
];
const _everyRequiredMember = true;
function clientInformationSchema(config, secretIssued) {
  const confidential = authMethodsFor(config.registration.profile).filter(usesClientSecret);
  const secretFields = secretIssued ? ["client_secret", "client_secret_expires_at"] : ["client_secret_expires_at"];
  return {
    type: "object",
    required: ["client_id", "client_id_issued_at", ...alwaysRegistered, "registration_access_token", "registration_client_uri"],
    properties: {
      client_id: { type: "string", description: "The client identifier (a UUID in the public-only profile)." },
      client_secret: {
        type: "string",
        description: "For confidential clients, on registration (and on an update that makes the client confidential). Shown once."
      },
      client_id_issued_at: { type: "integer", description: "When the client was registered, in seconds since the epoch." },
      client_secret_expires_at: { type: "integer", description: "When the secret expires, in seconds since the epoch; `0`: never." },
      ...metadataProperties(config, true),
      registration_access_token: {
        type: "string",
        description: "The bearer token for the client configuration endpoint (RFC 7592). An update replaces it."
      },
      registration_client_uri: { type: "string", format: "uri", description: "The client configuration endpoint of this client." }
    },
    ...confidential.length > 0 ? { if: { properties: { token_endpoint_auth_method: { enum: confidential } } }, then: { required: secretFields } } : {}
  };
}
export {
  clientInformationSchema,
  clientUpdateRequestSchema,
  registrationRequestSchema,
  schemaRef
};
//# sourceMappingURL=registration-schemas.js.map
