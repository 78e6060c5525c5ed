import { fallbackDefaultScope, type Config } from '../../config/defaults.js';
import { usesClientSecret, type ClientMetadata } from '../../ports/client-metadata.js';
import { checkHttpsUrl, metadataFields, type FieldRule, type MetadataField } from '../../protocol/registration/metadata-fields.js';
import { authMethodsFor } from '../../protocol/registration/validate-metadata.js';
import { serverMetadata } from '../../protocol/server-metadata.js';
import { assertionSigningAlgorithms } from '../../protocol/client-assertion.js';
import { serverManagedFields } from '../../protocol/registration/client-configuration.js';

/** A JSON Schema (2020-12) or an OpenAPI object, as plain JSON. */
export type Json = Record<string, unknown>;

/** A reference to a schema of the document's `components.schemas`. */
export const schemaRef = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** What one field means to a client, keyed by the table's own field names, so a new field needs a line here. */
function fieldDescriptions(config: Config): Record<MetadataField, string> {
  const authMethods = authMethodsFor(config.registration.profile);
  return {
    redirect_uris:
      'Redirection URIs (RFC 7591 §2): absolute, without fragment or user information; `https`, `http` only on a loopback address ' +
      '(`127.0.0.1`, `[::1]`, `localhost`; any port matches at `/authorize`, RFC 8252 §7.3), or a private-use scheme (`cursor://…`) ' +
      'for public clients. Required unless `grant_types` leaves out `authorization_code`.',
    client_name: 'The name shown to the user on the consent page; no control, formatting or bidirectional-override characters.',
    client_uri: "The client's home page: an absolute `https` URL.",
    logo_uri: "The client's logo: an absolute `https` URL.",
    tos_uri: "The client's terms of service: an absolute `https` URL.",
    policy_uri: "The client's privacy policy: an absolute `https` URL.",
    jwks_uri: "Where the client's public keys are published: an absolute `https` URL. Not together with `jwks`.",
    jwks: "The client's public keys as a JWK Set (RFC 7517 §5). Not together with `jwks_uri`; private key members are refused.",
    grant_types:
      'Default `["authorization_code", "refresh_token"]`. `implicit` and `password` are refused; other grant types this server does ' +
      'not offer are dropped, and the response shows the registered set. `client_credentials` needs a confidential client.',
    response_types: 'Only `code`, which goes with `authorization_code` (RFC 7591 §2.1); by default what the grant types need.',
    token_endpoint_auth_method:
      `How the client authenticates at the token endpoint; default \`${authMethods[0]}\`. ` +
      '`private_key_jwt` (RFC 7523) needs `jwks` or `jwks_uri`, and no secret is issued.',
    token_endpoint_auth_signing_alg: 'With `private_key_jwt`: the one JWS algorithm the client signs its assertions with (OpenID Connect Registration). Dropped for other methods.',
    scope: `Space-separated scope tokens; default \`${config.registration.defaultScope ?? fallbackDefaultScope}\`.`,
    contacts: 'Ways to reach the people responsible for the client, such as e-mail addresses.',
    software_id: 'An identifier of the client software, the same for every instance of it.',
    software_version: 'The version of the client software.',
    software_statement:
      'A signed JWT from a trusted issuer (RFC 7591 §2.3). Its claims win over the fields of the request, and it is returned unchanged.',
    application_type: 'OpenID Connect Registration: `native` or `web` (the default). Loopback and private-use redirects make it `native`.',
    require_pushed_authorization_requests: 'RFC 9126 §6: when true, `/authorize` accepts only requests this client pushed to the pushed authorization request endpoint.',
  };
}

/** Constraints beyond a field's JSON type and limits: the values the validators accept, and defaults. */
function fieldRefinements(config: Config, registered: boolean): Partial<Record<MetadataField, { field?: Json; item?: Json }>> {
  const authMethods = authMethodsFor(config.registration.profile);
  const grantTypes = serverMetadata(config)['grant_types_supported'];
  return {
    redirect_uris: { item: { format: 'uri' } },
    // A request may name grant types the server does not offer (they are dropped); what is registered is a subset.
    grant_types: registered ? { item: { enum: grantTypes } } : { field: { default: ['authorization_code', 'refresh_token'] } },
    response_types: { item: { enum: ['code'] }, ...(registered ? {} : { field: { default: ['code'] } }) },
    token_endpoint_auth_method: { field: { enum: [...authMethods], ...(registered ? {} : { default: authMethods[0] }) } },
    token_endpoint_auth_signing_alg: { field: { enum: [...assertionSigningAlgorithms] } },
    scope: registered ? {} : { field: { default: config.registration.defaultScope ?? fallbackDefaultScope } },
    application_type: { field: { enum: ['native', 'web'], ...(registered ? {} : { default: 'web' }) } },
    jwks: {
      field: {
        required: ['keys'],
        properties: { keys: { type: 'array', items: { type: 'object', required: ['kty'], properties: { kty: { type: 'string' } } } } },
      },
    },
  };
}

/**
 * The schema of one field, from its rule in {@link metadataFields}: JSON type, length and count limits, and the
 * format its text check implies. In a request `null` is accepted, as the validator treats it as absent.
 */
function fieldSchema(name: MetadataField, rule: FieldRule, config: Config, registered: boolean): Json {
  const limits = config.registration;
  const refinement = fieldRefinements(config, registered)[name] ?? {};
  const nullable = (type: string) => (registered ? type : [type, 'null']);
  const description = fieldDescriptions(config)[name];
  const text: Json = { type: 'string', maxLength: rule.maxLength(limits) };
  if (rule.check === checkHttpsUrl) Object.assign(text, { format: 'uri', pattern: '^https://' });
  switch (rule.type) {
    case 'string':
      return { ...text, type: nullable('string'), description, ...refinement.field };
    case 'string[]':
      return {
        type: nullable('array'),
        description,
        items: { ...text, ...refinement.item },
        maxItems: rule.maxItems?.(limits) ?? 100,
        ...refinement.field,
      };
    case 'boolean':
      return { type: nullable('boolean'), description, ...refinement.field };
    case 'object':
      return { type: nullable('object'), description: `${description} At most ${rule.maxLength(limits)} characters as JSON.`, ...refinement.field };
  }
}

/** Every field of the table, as schema properties. */
function metadataProperties(config: Config, registered: boolean): Record<string, Json> {
  return Object.fromEntries(
    (Object.entries(metadataFields) as [MetadataField, FieldRule][]).map(([name, rule]) => [name, fieldSchema(name, rule, config, registered)]),
  );
}

/**
 * The registration request (RFC 7591 §2): the fields of {@link metadataFields}. `redirect_uris` is required for
 * redirect-based clients and, outside the default profile, `client_name`; either may come from a software statement.
 */
export function registrationRequestSchema(config: Config): Json {
  const fromStatement = { required: ['software_statement'] };
  const rules: Json[] = [
    {
      anyOf: [
        { required: ['redirect_uris'], properties: { redirect_uris: { type: 'array', minItems: 1 } } },
        { required: ['grant_types'], properties: { grant_types: { type: 'array', not: { contains: { const: 'authorization_code' } } } } },
        fromStatement,
      ],
    },
  ];
  if (config.registration.profile !== 'default') rules.push({ anyOf: [{ required: ['client_name'] }, fromStatement] });
  return {
    type: 'object',
    description: 'Client metadata (RFC 7591 §2). Fields not listed here are ignored and not stored; a field set to `null` counts as absent.',
    properties: metadataProperties(config, false),
    allOf: rules,
  };
}

/** The update request (RFC 7592 §2.2): the whole metadata again, with `client_id`; it replaces what was registered. */
export function clientUpdateRequestSchema(): Json {
  return {
    description:
      'Replaces the registered metadata: omitted fields return to their defaults. Must carry `client_id`; may carry the current ' +
      '`client_secret`; must not carry the fields the server manages (`invalid_request`).',
    allOf: [
      schemaRef('ClientRegistrationRequest'),
      {
        type: 'object',
        required: ['client_id'],
        properties: {
          client_id: { type: 'string', description: 'The client being updated.' },
          client_secret: { type: 'string', description: 'When sent, it must equal the current secret.' },
          ...Object.fromEntries(serverManagedFields.map((name) => [name, false])),
        },
      },
    ],
  };
}

/** Metadata that every registration holds, whatever the request: the non-optional members of {@link ClientMetadata}. */
const alwaysRegistered = [
  'redirect_uris',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'scope',
  'application_type',
] as const satisfies readonly (keyof ClientMetadata)[];
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
// Fails to compile when ClientMetadata gains a required member that the list above does not name.
const _everyRequiredMember: Exclude<RequiredKeys<ClientMetadata>, (typeof alwaysRegistered)[number]> extends never ? true : never = true;

/**
 * The client information response (RFC 7591 §3.2.1, RFC 7592 §3). `secretIssued`: the response of a registration,
 * which carries the new `client_secret` of a confidential client; reads and updates only carry its expiry.
 */
export function clientInformationSchema(config: Config, secretIssued: boolean): Json {
  const confidential = authMethodsFor(config.registration.profile).filter(usesClientSecret);
  const secretFields = secretIssued ? ['client_secret', 'client_secret_expires_at'] : ['client_secret_expires_at'];
  return {
    type: 'object',
    required: ['client_id', 'client_id_issued_at', ...alwaysRegistered, 'registration_access_token', 'registration_client_uri'],
    properties: {
      client_id: { type: 'string', description: 'The client identifier (a UUID in the public-only profile).' },
      client_secret: {
        type: 'string',
        description: 'For confidential clients, on registration (and on an update that makes the client confidential). Shown once.',
      },
      client_id_issued_at: { type: 'integer', description: 'When the client was registered, in seconds since the epoch.' },
      client_secret_expires_at: { type: 'integer', description: 'When the secret expires, in seconds since the epoch; `0`: never.' },
      ...metadataProperties(config, true),
      registration_access_token: {
        type: 'string',
        description: 'The bearer token for the client configuration endpoint (RFC 7592). An update replaces it.',
      },
      registration_client_uri: { type: 'string', format: 'uri', description: 'The client configuration endpoint of this client.' },
    },
    ...(confidential.length > 0
      ? { if: { properties: { token_endpoint_auth_method: { enum: confidential } } }, then: { required: secretFields } }
      : {}),
  };
}
