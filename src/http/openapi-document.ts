import { readFileSync } from 'node:fs';
import type { Config } from '../config/defaults.js';
import { metadataPaths } from '../protocol/server-metadata.js';
import {
  authorizeOperation,
  metadataOperation,
  operationalOperations,
  registrationOperations,
  resourceOperations,
  tokenEndpointOperations,
} from './openapi/operations.js';
import { parOperation } from './openapi/par-operation.js';
import type { Json } from './openapi/registration-schemas.js';
import { componentSchemas } from './openapi/schemas.js';

/**
 * The HTML pages a person uses, below the issuer path (a prefix covers everything under it). They are not part
 * of the API: their form posts carry a CSRF token and a session cookie, and they answer with pages.
 */
export const pagePaths = ['/login', '/consent', '/signin', '/signout', '/account', '/admin'] as const;

/** Latchkey's version, from its package.json (two levels up from both `src/http/` and `dist/http/`). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    // Bundled into a host application, the file may not be there; the document is still useful without it.
    return 'unknown';
  }
}
const version = packageVersion();

const tags = [
  { name: 'discovery', description: 'Server metadata (RFC 8414, OpenID Connect Discovery) and signing keys.' },
  { name: 'registration', description: 'Dynamic client registration (RFC 7591) and client configuration (RFC 7592).' },
  { name: 'authorization', description: 'The authorization endpoint, opened in the user\'s browser.' },
  { name: 'tokens', description: 'Token issuance, revocation (RFC 7009) and introspection (RFC 7662).' },
  { name: 'userinfo', description: 'OpenID Connect UserInfo.' },
  { name: 'operational', description: 'Health, readiness and metrics, for load balancers and monitoring: not protocol endpoints, served at the server root.' },
  { name: 'documentation', description: 'This document.' },
];

function securitySchemes(config: Config): Json {
  return {
    clientSecretBasic: {
      type: 'http',
      scheme: 'basic',
      description:
        '`client_secret_basic` (RFC 6749 §2.3.1): the client id and secret, each form-urlencoded, as Basic credentials. ' +
        '`client_secret_post` sends them as `client_id` and `client_secret` in the form instead, and public clients (`none`) send only `client_id`.',
    },
    registrationAccessToken: {
      type: 'http',
      scheme: 'bearer',
      description: 'The `registration_access_token` of the registration response (RFC 7592 §3).',
    },
    initialAccessToken: {
      type: 'http',
      scheme: 'bearer',
      description: 'An initial access token (RFC 7591 §3), created with `latchkey iat create` or on the dashboard.',
    },
    accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from the token endpoint (RFC 6750).' },
    ...(config.metrics.enabled && config.metrics.bearerToken !== null
      ? { metricsToken: { type: 'http', scheme: 'bearer', description: 'The configured `metrics.bearerToken`.' } }
      : {}),
  };
}

const description = (pages: string) =>
  [
    "Latchkey's public protocol endpoints: discovery, dynamic client registration and management, authorization, tokens, " +
      'revocation, introspection, keys and UserInfo, plus health, readiness and metrics for operators.',
    'The API endpoints answer CORS requests from any origin (they take no cookies). Every error is JSON with ' +
      '`Cache-Control: no-store`: `{"error", "error_description"}`, except `429`, whose body is `{"errors": ["…"]}`.',
    `Out of scope: the HTML pages a person uses, and their form posts: ${pages}. They need a session cookie and a CSRF token, and answer with pages.`,
  ].join('\n\n');

/**
 * The OpenAPI 3.1 document of Latchkey's public endpoints for a configuration: paths relative to the issuer (the
 * server), except the metadata forms and operational endpoints that live outside the issuer's path, which name
 * the origin as their server. Schemas come from the code's own tables: registration fields from
 * `metadataFields`, errors from `errorCodes`, the metadata document from `serverMetadata`.
 *
 * @see https://spec.openapis.org/oas/v3.1.0
 */
export function openapiDocument(config: Config): Json {
  const issuer = new URL(config.issuer);
  const base = issuer.pathname.replace(/\/+$/, '');
  const paths: Record<string, Json> = {};
  /** A path from the server root: relative to the issuer when below it, otherwise with the origin as its server. */
  const atRoot = (path: string, item: Json) => {
    if (base === '') paths[path] = item;
    else if (path.startsWith(`${base}/`)) paths[path.slice(base.length)] = item;
    else paths[path] = { ...item, servers: [{ url: issuer.origin, description: 'The server root, outside the issuer path.' }] };
  };

  for (const path of metadataPaths(config.issuer)) {
    const openid = path.includes('/.well-known/openid-configuration');
    // RFC 8414 §3.1 inserts the well-known segment before the issuer's path, OpenID Connect Discovery §4 appends it.
    const canonical = base === '' || (openid ? !path.startsWith('/.well-known/') : path.startsWith('/.well-known/'));
    const name = openid ? 'getOpenIdConfiguration' : 'getAuthorizationServerMetadata';
    atRoot(
      path,
      metadataOperation(
        canonical ? name : `${name}${openid ? 'Inserted' : 'Appended'}`,
        openid ? 'OpenID Connect Discovery metadata' : 'Authorization server metadata (RFC 8414)',
      ),
    );
  }
  Object.assign(paths, resourceOperations);
  [config.registration.path, ...config.registration.aliases].forEach((path, alias) =>
    Object.assign(paths, registrationOperations(config, path, alias)),
  );
  paths['/authorize'] = authorizeOperation;
  paths['/par'] = parOperation;
  Object.assign(paths, tokenEndpointOperations);
  for (const [path, item] of Object.entries(operationalOperations(config))) atRoot(path, item);

  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey',
      version,
      summary: 'OAuth 2.1 authorization server for MCP servers and AI agents, built around Dynamic Client Registration.',
      description: description(pagePaths.map((path) => `\`${base}${path}\``).join(', ')),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: config.issuer, description: 'The issuer.' }],
    tags,
    paths,
    components: { schemas: componentSchemas(config), securitySchemes: securitySchemes(config) },
  };
}
