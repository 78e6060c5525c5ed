import { parsePolicies, parseStatementIssuers, type RegistrationPolicy, type SoftwareStatementIssuer } from './policies.js';
import { parseEnterpriseProviders, type EnterpriseProvider } from './enterprise-providers.js';
import { parseIdentityProviders, parseIdentityRule, type IdentityProvider, type IdentityRule } from './identity.js';
import { parseGatewayCommand, parseToolScopes, type GatewayConfig } from './gateway.js';
import { parseResources, type ProtectedResource } from './resources.js';
import type { TrustProxy } from './trust-proxy.js';

/**
 * Every configuration option: its type, default, environment variable, command-line flag and documentation.
 * `docs/configuration.md` is generated from this table (`npm run docs`), and a test fails when it is stale.
 */

export type RegistrationProfile = 'default' | 'confidential' | 'public-only';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type RegistrationMode = 'open' | 'protected';

export interface Config {
  issuer: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  trustProxy: TrustProxy;
  metrics: { enabled: boolean; path: string; bearerToken: string | null };
  database: {
    url: string;
    sqliteSynchronous: 'full' | 'normal';
    poolSize: number;
  };
  registration: {
    profile: RegistrationProfile;
    path: string;
    aliases: string[];
    defaultScope: string | null;
    maxRedirectUris: number;
    maxUriLength: number;
    maxStringLength: number;
    maxClientNameLength: number;
    maxContacts: number;
    rateLimit: { enabled: boolean; points: number; durationSeconds: number };
    mode: RegistrationMode;
    /** The policy applied to registrations that no initial access token or software statement assigns one. */
    policy: string | null;
    policies: Record<string, RegistrationPolicy>;
    softwareStatement: { required: boolean; issuers: SoftwareStatementIssuer[] };
    flagLookAlikes: boolean;
  };
  cimd: {
    enabled: boolean;
    allowPrivateAddresses: boolean;
    maxBytes: number;
    timeoutMs: number;
    minCacheSeconds: number;
    maxCacheSeconds: number;
  };
  audit: {
    /** Days; 0 keeps every event. */
    retentionDays: number;
  };
  cleanup: {
    enabled: boolean;
    /** Seconds. */
    unusedAfter: number;
    /** Seconds. */
    idleAfter: number;
    /** Seconds. */
    interval: number;
    batchSize: number;
  };
  redis: { url: string | null; keyPrefix: string };
  scopes: { supported: string[] };
  resources: ProtectedResource[];
  tokens: {
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    refreshReuseGraceSeconds: number;
    idTokenTtlSeconds: number;
    dpopNonce: boolean;
  };
  keys: {
    algorithm: 'ES256' | 'RS256' | 'EdDSA';
    rotationGraceSeconds: number;
    refreshSeconds: number;
  };
  secrets: { keyEncryptionKey: string | null; keyEncryptionKeyFile: string | null; oldKeyEncryptionKeys: string[] };
  login: { maxFailures: number; windowSeconds: number; sessionTtlSeconds: number };
  identity: {
    localPasswords: boolean;
    providers: IdentityProvider[];
    /** Who may sign in with an upstream provider. */
    allow: IdentityRule;
    /** Who is an administrator when signing in with an upstream provider. */
    admins: IdentityRule;
    /** The enterprise IdPs whose identity assertion grants (ID-JAG) the token endpoint accepts. */
    enterpriseProviders: EnterpriseProvider[];
  };
  token: { rateLimit: { enabled: boolean; points: number; durationSeconds: number } };
  authorize: {
    rateLimit: { enabled: boolean; points: number; durationSeconds: number };
    /** Every client must push its authorization requests (RFC 9126 §5); `/authorize` takes only a `request_uri`. */
    requirePushedRequests: boolean;
  };
  gateway: GatewayConfig;
}

type Kind =
  | { type: 'string' }
  | { type: 'url' }
  | { type: 'path' }
  | { type: 'int'; min: number; max: number }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; item: 'path' | 'string' }
  | { type: 'nullable-string' }
  /** Seconds: an integer, or a number with a unit (`30s`, `15m`, `24h`, `90d`). */
  | { type: 'duration'; min: number; max: number }
  /** A JSON value (in the file, or as JSON text in the environment) checked by `parse`, which returns an error message. */
  | { type: 'json'; parse: (value: unknown) => unknown; describe: string }
  /** `true`, `false`, or a list of proxy addresses and CIDR ranges (see trust-proxy.ts). */
  | { type: 'trust-proxy' };

export interface OptionSpec {
  /** Dotted path in the configuration object and file. */
  key: string;
  kind: Kind;
  default: unknown;
  env?: string[];
  flag?: string;
  doc: string;
}

export const options: readonly OptionSpec[] = [
  {
    key: 'issuer',
    kind: { type: 'url' },
    default: 'http://localhost:8080',
    env: ['LATCHKEY_ISSUER', 'ISSUER'],
    flag: '--issuer',
    doc: 'The issuer identifier (RFC 8414): the public base URL of this server. Use `https` in production; an `http` issuer is a development default and is announced at start. A path (`https://example.com/auth`) mounts every endpoint under it.',
  },
  {
    key: 'host',
    kind: { type: 'string' },
    default: 'localhost',
    env: ['LATCHKEY_HOST', 'HOST'],
    flag: '--host',
    doc: 'The address to listen on. The default only accepts local connections; use `0.0.0.0` in a container.',
  },
  {
    key: 'port',
    kind: { type: 'int', min: 0, max: 65535 },
    default: 8080,
    env: ['LATCHKEY_PORT', 'PORT'],
    flag: '--port',
    doc: 'The TCP port to listen on (0 picks a free one).',
  },
  {
    key: 'logLevel',
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    default: 'info',
    env: ['LATCHKEY_LOG_LEVEL', 'LOG_LEVEL'],
    flag: '--log-level',
    doc: 'The level of the JSON logs written to standard output.',
  },
  {
    key: 'trustProxy',
    kind: { type: 'trust-proxy' },
    default: false,
    env: ['LATCHKEY_TRUST_PROXY'],
    flag: '--trust-proxy',
    doc: 'Which proxies to believe about the client: `false` (none), a list of the proxies\' addresses and CIDR ranges (`127.0.0.1,10.0.0.0/8`; also `loopback`, `linklocal`, `uniquelocal`), or `true` (every hop). With a list, the client address is the right-most `X-Forwarded-For` address that is not a listed proxy, and only a listed proxy\'s `X-Request-Id` is kept (at most 128 of `A-Z a-z 0-9 . _ -`; otherwise every request gets a fresh UUID, sent back in `X-Request-Id`). `true` takes the left-most address, which the client writes itself, so it escapes per-IP rate limits: prefer a list. Leave `false` when clients connect directly.',
  },
  {
    key: 'metrics.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_METRICS_ENABLED'],
    doc: 'Serve Prometheus metrics at `metrics.path`: requests and their latency per route and status, registrations by source, tokens issued by grant type, rate-limit rejections, cleanup deletions, and the process (memory, CPU, event loop). Disabled, no metric is collected and the path answers `404`.',
  },
  {
    key: 'metrics.path',
    kind: { type: 'path' },
    default: '/metrics',
    env: ['LATCHKEY_METRICS_PATH'],
    doc: 'The path of the metrics, at the root of the server (not below the issuer path), like `/healthz` and `/readyz`. The metrics hold no secret, client id or address, only counts per route, but they tell anyone who can read them how the server is used: do not route this path from the internet (block it at the proxy), or set `metrics.bearerToken`. A server listening on a non-loopback address without a token says so at start.',
  },
  {
    key: 'metrics.bearerToken',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_METRICS_BEARER_TOKEN'],
    doc: 'When set, `metrics.path` answers only requests that carry `Authorization: Bearer <this value>` (Prometheus: `authorization: {credentials: …}`); others get `401`. Use a long random value (`openssl rand -base64 32`).',
  },
  {
    key: 'database.url',
    kind: { type: 'string' },
    default: 'sqlite:./data/latchkey.db',
    env: ['LATCHKEY_DATABASE_URL', 'DATABASE_URL'],
    flag: '--database',
    doc: 'Where state is kept: `sqlite:<file>` (created on first start, WAL mode), `sqlite::memory:` (tests only), or `postgres://user@host:port/db`.',
  },
  {
    key: 'database.sqliteSynchronous',
    kind: { type: 'enum', values: ['full', 'normal'] },
    default: 'full',
    env: ['LATCHKEY_SQLITE_SYNCHRONOUS'],
    doc: "SQLite's `synchronous` pragma. `full` makes each commit durable against power loss; `normal` only against a crash of the process (a 201 then survives `kill -9` but not a power cut).",
  },
  {
    key: 'database.poolSize',
    kind: { type: 'int', min: 1, max: 100 },
    default: 10,
    env: ['LATCHKEY_DATABASE_POOL_SIZE'],
    doc: 'The number of PostgreSQL connections per instance.',
  },
  {
    key: 'registration.profile',
    kind: { type: 'enum', values: ['default', 'confidential', 'public-only'] },
    default: 'default',
    env: ['LATCHKEY_REGISTRATION_PROFILE'],
    flag: '--profile',
    doc: '`default` accepts public (`none`) and confidential clients; `confidential` accepts confidential clients only: a secret for every client (the Provider MCP seed), or `private_key_jwt` with the client\'s `jwks` or `jwks_uri`; `public-only` accepts only `token_endpoint_auth_method: "none"` and issues UUID client ids (the Datadog seed).',
  },
  {
    key: 'registration.path',
    kind: { type: 'path' },
    default: '/register',
    env: ['LATCHKEY_REGISTRATION_PATH'],
    doc: 'The path of the registration endpoint (RFC 7591), below the issuer path. Client configuration (RFC 7592) is at `<path>/<client_id>`.',
  },
  {
    key: 'registration.aliases',
    kind: { type: 'list', item: 'path' },
    default: [],
    env: ['LATCHKEY_REGISTRATION_ALIASES'],
    doc: 'More paths that serve the registration endpoint, e.g. `/v1/provider-mcp/oauth/register,/api/v2/oauth2/register`. A client registered at an alias gets its `registration_client_uri` under that alias.',
  },
  {
    key: 'registration.defaultScope',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_REGISTRATION_DEFAULT_SCOPE'],
    doc: 'The scope registered for a client whose request names none. Unset, it is `openid profile email`.',
  },
  {
    key: 'registration.maxRedirectUris',
    kind: { type: 'int', min: 1, max: 100 },
    default: 10,
    env: ['LATCHKEY_REGISTRATION_MAX_REDIRECT_URIS'],
    doc: 'The most `redirect_uris` one client may register.',
  },
  {
    key: 'registration.maxUriLength',
    kind: { type: 'int', min: 64, max: 8192 },
    default: 2000,
    env: ['LATCHKEY_REGISTRATION_MAX_URI_LENGTH'],
    doc: 'The longest redirect URI or `*_uri` value accepted, in characters.',
  },
  {
    key: 'registration.maxStringLength',
    kind: { type: 'int', min: 16, max: 8192 },
    default: 1000,
    env: ['LATCHKEY_REGISTRATION_MAX_STRING_LENGTH'],
    doc: 'The longest free-text metadata value accepted (`software_id`, `scope`, …), in characters.',
  },
  {
    key: 'registration.maxClientNameLength',
    kind: { type: 'int', min: 8, max: 1000 },
    default: 200,
    env: ['LATCHKEY_REGISTRATION_MAX_CLIENT_NAME_LENGTH'],
    doc: 'The longest `client_name` accepted, in characters.',
  },
  {
    key: 'registration.maxContacts',
    kind: { type: 'int', min: 0, max: 100 },
    default: 10,
    env: ['LATCHKEY_REGISTRATION_MAX_CONTACTS'],
    doc: 'The most `contacts` one client may register.',
  },
  {
    key: 'registration.rateLimit.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_REGISTRATION_RATE_LIMIT'],
    doc: 'Limit registrations per client IP address. Answered with `429`, `Retry-After` and `{"errors": [...]}`.',
  },
  {
    key: 'registration.rateLimit.points',
    kind: { type: 'int', min: 1, max: 1_000_000 },
    default: 60,
    env: ['LATCHKEY_REGISTRATION_RATE_LIMIT_POINTS'],
    doc: 'How many registrations one IP address may make per window. Agents register on every connection, so keep it generous.',
  },
  {
    key: 'registration.rateLimit.durationSeconds',
    kind: { type: 'int', min: 1, max: 86_400 },
    default: 60,
    env: ['LATCHKEY_REGISTRATION_RATE_LIMIT_DURATION'],
    doc: 'The length of the rate-limit window, in seconds.',
  },
  {
    key: 'registration.mode',
    kind: { type: 'enum', values: ['open', 'protected'] },
    default: 'open',
    env: ['LATCHKEY_REGISTRATION_MODE'],
    flag: '--registration-mode',
    doc: '`open`: anyone may register (rate-limited per IP), the MCP default. `protected`: a registration must carry an initial access token (RFC 7591 §3) as a bearer token; create them with `latchkey iat create`.',
  },
  {
    key: 'registration.policy',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_REGISTRATION_POLICY'],
    doc: 'The name of the policy (in `registration.policies`) applied to registrations that no initial access token or software statement assigns a policy. Unset, only the general limits apply.',
  },
  {
    key: 'registration.policies',
    kind: { type: 'json', parse: parsePolicies, describe: 'an object of named policies' },
    default: {},
    env: ['LATCHKEY_REGISTRATION_POLICIES'],
    doc: 'Named registration policies, e.g. `{"partners": {"allowRedirectHosts": ["*.partner.example"], "allowRedirectSchemes": ["https"], "allowScopes": ["mcp"], "allowTokenEndpointAuthMethods": ["none"], "maxClients": 100, "maxRedirectUris": 3}, "open": {"denyRedirectHosts": ["*.evil.example"]}}`. Every member is optional. Host patterns are exact names or `*.suffix`; the deny-list wins. A redirect outside a policy is `invalid_redirect_uri`, a method outside it `invalid_client_metadata`, and scopes outside it are dropped from the registration and never granted.',
  },
  {
    key: 'registration.softwareStatement.required',
    kind: { type: 'bool' },
    default: false,
    env: ['LATCHKEY_SOFTWARE_STATEMENT_REQUIRED'],
    doc: 'Refuse a registration without a `software_statement` from a trusted issuer (RFC 7591 §2.3).',
  },
  {
    key: 'registration.softwareStatement.issuers',
    kind: { type: 'json', parse: parseStatementIssuers, describe: 'a list of trusted issuers' },
    default: [],
    env: ['LATCHKEY_SOFTWARE_STATEMENT_ISSUERS'],
    doc: 'Trusted issuers of software statements: `[{"issuer": "https://publisher.example", "jwksUri": "https://publisher.example/jwks.json", "policy": "partners"}]` (or `"jwks": {"keys": [...]}` inline). A statement from another issuer is `unapproved_software_statement`; one that fails verification is `invalid_software_statement`. A verified statement\'s claims win over the request\'s.',
  },
  {
    key: 'registration.flagLookAlikes',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_FLAG_LOOK_ALIKES'],
    doc: 'Flag a dynamically registered client whose `client_name` imitates a well-known agent (Claude, ChatGPT, Cursor, VS Code, Copilot, …) while its redirect hosts are not that agent\'s. It is registered, and the consent page warns the user.',
  },
  {
    key: 'cimd.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_CIMD'],
    doc: 'Accept Client ID Metadata Documents: a `client_id` that is an `https` URL is fetched and validated instead of looked up (`client_id_metadata_document_supported`).',
  },
  {
    key: 'cimd.allowPrivateAddresses',
    kind: { type: 'bool' },
    default: false,
    env: ['LATCHKEY_CIMD_ALLOW_PRIVATE_ADDRESSES'],
    doc: 'Fetch metadata documents, and the `jwks_uri` of `private_key_jwt` clients, from loopback, private and link-local addresses. For tests only: it lets a `client_id` or a registration make this server reach internal services (SSRF).',
  },
  {
    key: 'cimd.maxBytes',
    kind: { type: 'int', min: 512, max: 1_048_576 },
    default: 16_384,
    env: ['LATCHKEY_CIMD_MAX_BYTES'],
    doc: 'The largest metadata document (or client `jwks_uri` key set) accepted, in bytes.',
  },
  {
    key: 'cimd.timeoutMs',
    kind: { type: 'int', min: 100, max: 60_000 },
    default: 5000,
    env: ['LATCHKEY_CIMD_TIMEOUT_MS'],
    doc: 'How long fetching a metadata document (or a client `jwks_uri` key set) may take, from connecting to the last byte, in milliseconds.',
  },
  {
    key: 'cimd.minCacheSeconds',
    kind: { type: 'int', min: 0, max: 86_400 },
    default: 60,
    env: ['LATCHKEY_CIMD_MIN_CACHE'],
    doc: 'A metadata document is kept at least this long, whatever its cache headers say, in seconds.',
  },
  {
    key: 'cimd.maxCacheSeconds',
    kind: { type: 'int', min: 0, max: 604_800 },
    default: 86_400,
    env: ['LATCHKEY_CIMD_MAX_CACHE'],
    doc: 'A metadata document is kept at most this long, whatever its cache headers say, in seconds.',
  },
  {
    key: 'audit.retentionDays',
    kind: { type: 'int', min: 0, max: 36_500 },
    default: 90,
    env: ['LATCHKEY_AUDIT_RETENTION_DAYS'],
    doc: 'How long audit events are kept, in days: older ones are deleted by the cleanup schedule (`cleanup.interval`), in batches of `cleanup.batchSize`, oldest first. The hourly counts behind the dashboard\'s charts are kept. `0` keeps every event forever (the table then grows with every registration and token).',
  },
  {
    key: 'cleanup.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_CLEANUP'],
    doc: 'Run the cleanup of unused clients periodically in the server (`latchkey gc` runs it once).',
  },
  {
    key: 'cleanup.unusedAfter',
    kind: { type: 'duration', min: 60, max: 31_536_000 },
    default: 86_400,
    env: ['LATCHKEY_CLEANUP_UNUSED_AFTER'],
    doc: 'A dynamically registered client that never completed an authorization is deleted this long after it registered (seconds, or `24h`, `7d`).',
  },
  {
    key: 'cleanup.idleAfter',
    kind: { type: 'duration', min: 3600, max: 315_360_000 },
    default: 7_776_000,
    env: ['LATCHKEY_CLEANUP_IDLE_AFTER'],
    doc: 'A dynamically registered client unused this long is deleted (seconds, or `90d`). A client with a live grant or token is never deleted.',
  },
  {
    key: 'cleanup.interval',
    kind: { type: 'duration', min: 60, max: 604_800 },
    default: 3600,
    env: ['LATCHKEY_CLEANUP_INTERVAL'],
    doc: 'How often the server runs the cleanup (seconds, or `1h`).',
  },
  {
    key: 'cleanup.batchSize',
    kind: { type: 'int', min: 1, max: 10_000 },
    default: 100,
    env: ['LATCHKEY_CLEANUP_BATCH_SIZE'],
    doc: 'Rows per transaction at most, so that cleanup never holds the database for long: expired tokens and audit events deleted per batch; for unused clients, candidates read per batch (at most as many deleted; a batch resumes where the last stopped). On SQLite, whose one connection a batch holds, a batch of clients that took over 20 ms makes the next one smaller in proportion (down to a quarter of this size), and faster ones grow it back: at a million clients a batch of 100 never-used clients takes a few milliseconds, and idle clients with grants cost ten times more each. Requests run between batches.',
  },
  {
    key: 'redis.url',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_REDIS_URL', 'REDIS_URL'],
    flag: '--redis',
    doc: 'A Redis server (`redis://host:6379`) that holds the registration, token and sign-in rate limits, so that every instance counts together. While it cannot be reached, each instance counts on its own and logs it.',
  },
  {
    key: 'redis.keyPrefix',
    kind: { type: 'string' },
    default: 'latchkey',
    env: ['LATCHKEY_REDIS_KEY_PREFIX'],
    doc: 'The prefix of every Redis key Latchkey writes (`<prefix>:register:<ip>`, …). Instances that should count together use the same prefix; separate deployments sharing one Redis use different ones.',
  },
  {
    key: 'scopes.supported',
    kind: { type: 'list', item: 'string' },
    default: ['openid', 'profile', 'email', 'offline_access', 'mcp', 'mcp:tools', 'mcp:resources', 'mcp:prompts'],
    env: ['LATCHKEY_SCOPES'],
    doc: 'The scopes this server grants (`scopes_supported`). A client asking for others at `/authorize` is granted the supported subset, not refused: agents register before they know the scopes.',
  },
  {
    key: 'resources',
    kind: { type: 'json', parse: parseResources, describe: 'a list of protected resources' },
    default: [],
    env: ['LATCHKEY_RESOURCES'],
    doc: 'The protected resources (MCP servers) this server issues tokens for (RFC 8707), e.g. `[{"uri": "https://mcp.example.com/mcp", "name": "Example tools", "scopes": ["mcp:tools"], "machineClients": false}]`. A `resource` parameter naming none of them is `invalid_target` at `/authorize` and `/token`; it matches whatever the case of scheme and host, a default port or a trailing slash, and tokens carry the `uri` as written here in `aud`. A request without `resource` gets the resource marked `"default": true` (or the first). The consent page shows the `name`. `scopes_supported` becomes the OpenID Connect scopes of `scopes.supported` plus every resource\'s `scopes`, and a token for a resource carries only its scopes. `machineClients: true` lets clients that may use `client_credentials` (created by an operator, or registered under a policy with `allowClientCredentials`) get tokens for it. Empty (zero set-up): users may authorize any `https` or loopback `resource`, which the consent page shows, and machine clients get no token at all.',
  },
  {
    key: 'tokens.accessTokenTtlSeconds',
    kind: { type: 'int', min: 60, max: 86_400 },
    default: 3600,
    env: ['LATCHKEY_ACCESS_TOKEN_TTL'],
    doc: 'Lifetime of access tokens (signed JWTs, RFC 9068), in seconds. Short, because a resource server verifying them offline cannot see revocation.',
  },
  {
    key: 'tokens.refreshTokenTtlSeconds',
    kind: { type: 'int', min: 300, max: 31_536_000 },
    default: 2_592_000,
    env: ['LATCHKEY_REFRESH_TOKEN_TTL'],
    doc: 'Lifetime of each refresh token, in seconds. Refresh tokens rotate on every use; a new one gets a fresh lifetime.',
  },
  {
    key: 'tokens.refreshReuseGraceSeconds',
    kind: { type: 'int', min: 0, max: 300 },
    default: 10,
    env: ['LATCHKEY_REFRESH_REUSE_GRACE'],
    doc: 'The refresh token reuse grace window, in seconds. A refresh token that was just rotated, presented again by the same client within this window, gets a valid token response (a new access token and a new refresh token of the same grant) instead of revoking the grant: agents refresh in parallel when a token expires during several tool calls, and all but one of those requests would otherwise present a retired token. Only the generation just before the newest one qualifies; outside the window, from another client, for a token two rotations old or a revoked grant, reuse revokes the whole grant as ever. The trade (RFC 9700 §4.14.2): for these seconds a stolen token that was just used is not detected as stolen, but whichever branch refreshes next retires the other, so the next use of the other is detected. `0` turns the window off: every reuse revokes the grant. Retired (sealed) refresh tokens are deleted by the cleanup schedule once this window and 5 minutes more are over; one presented after that is still recognised as retired (docs/storage.md).',
  },
  {
    key: 'tokens.idTokenTtlSeconds',
    kind: { type: 'int', min: 60, max: 86_400 },
    default: 3600,
    env: ['LATCHKEY_ID_TOKEN_TTL'],
    doc: 'Lifetime of ID tokens (OpenID Connect), in seconds.',
  },
  {
    key: 'tokens.dpopNonce',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_DPOP_NONCE'],
    doc: 'Require a server nonce in DPoP proofs at `/token` (RFC 9449 §8). A proof without the current nonce is answered `400 use_dpop_nonce` with a fresh `DPoP-Nonce` header, and clients (oauth4webapi, most DPoP libraries) retry with it; every token response to a DPoP request carries the nonce to use next. Nonces are stateless (an HMAC of a five-minute time step under a key derived from the server secret, the current and the previous step accepted), so every instance accepts every other\'s. With nonces, a proof cannot be made ahead of time for later use by whoever briefly held the key; without them, freshness rests on `iat` (within 60 seconds) alone, and the first token request costs one round trip less. `/userinfo` never asks for a nonce.',
  },
  {
    key: 'keys.algorithm',
    kind: { type: 'enum', values: ['ES256', 'RS256', 'EdDSA'] },
    default: 'ES256',
    env: ['LATCHKEY_SIGNING_ALG'],
    doc: 'The JWS algorithm of new signing keys.',
  },
  {
    key: 'keys.rotationGraceSeconds',
    kind: { type: 'int', min: 60, max: 31_536_000 },
    default: 172_800,
    env: ['LATCHKEY_KEY_ROTATION_GRACE'],
    doc: 'How long a key stays in the JWKS after `latchkey keys rotate` retired it, so that tokens it signed still verify. Must be longer than the access and ID token lifetimes.',
  },
  {
    key: 'keys.refreshSeconds',
    kind: { type: 'int', min: 1, max: 3600 },
    default: 60,
    env: ['LATCHKEY_KEY_REFRESH'],
    doc: 'How often each instance re-reads the signing keys from the database, so that a rotation made elsewhere takes effect.',
  },
  {
    key: 'secrets.keyEncryptionKey',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_KEY_ENCRYPTION_KEY'],
    doc: 'The key-encryption key: 32 random bytes in base64 (`openssl rand -base64 32`). The private signing keys and the server secrets (the cookie signing key) are stored encrypted under it (AES-256-GCM), so that reading the database, or a backup of it, does not let anyone mint tokens or forge sessions. Keep it out of the database and its backups. Unset, they are stored in plaintext and the start says so; once set, values stored in plaintext are encrypted at start. A server whose database holds values it cannot decrypt refuses to start. Rotation: docs/secrets.md.',
  },
  {
    key: 'secrets.keyEncryptionKeyFile',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_KEY_ENCRYPTION_KEY_FILE'],
    doc: 'A file holding the key-encryption key instead (Docker and systemd secrets): one key a line, the first encrypts, further lines are older keys that only decrypt (during a rotation). Not together with `secrets.keyEncryptionKey`.',
  },
  {
    key: 'secrets.oldKeyEncryptionKeys',
    kind: { type: 'list', item: 'string' },
    default: [],
    env: ['LATCHKEY_KEY_ENCRYPTION_KEYS_OLD'],
    doc: 'Older key-encryption keys, which still decrypt but no longer encrypt: during a rotation, until `latchkey keys rewrap` has re-encrypted everything under the current key.',
  },
  {
    key: 'login.maxFailures',
    kind: { type: 'int', min: 1, max: 1000 },
    default: 5,
    env: ['LATCHKEY_LOGIN_MAX_FAILURES'],
    doc: 'Failed sign-ins allowed per account and client address within `login.windowSeconds`; more are refused without checking the password.',
  },
  {
    key: 'login.windowSeconds',
    kind: { type: 'int', min: 1, max: 86_400 },
    default: 900,
    env: ['LATCHKEY_LOGIN_WINDOW'],
    doc: 'The window of the failed sign-in limit, in seconds.',
  },
  {
    key: 'login.sessionTtlSeconds',
    kind: { type: 'int', min: 60, max: 2_592_000 },
    default: 28_800,
    env: ['LATCHKEY_SESSION_TTL'],
    doc: 'How long a sign-in lasts (the session cookie), in seconds.',
  },
  {
    key: 'identity.localPasswords',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_IDENTITY_LOCAL_PASSWORDS'],
    doc: 'Let local users (created with `latchkey users add` or the dashboard) sign in with a password, and change it on `/account`. `false` leaves only `identity.providers` (or a host app\'s `authenticate` hook): the sign-in pages show no password form, password sign-ins are refused, and no first-run `admin` is created; the first administrator is whoever `identity.admins` names.',
  },
  {
    key: 'identity.providers',
    kind: { type: 'json', parse: jsonParser(parseIdentityProviders), describe: 'a list of upstream identity providers' },
    default: [],
    env: ['LATCHKEY_IDENTITY_PROVIDERS'],
    doc: 'Upstream identity providers, one sign-in button each: `[{"preset": "google", "clientId": "…", "clientSecret": "…"}]`. Presets: `google`; `entra` (with `tenant`: a tenant id or domain, or `organizations`/`common` for any work account); `okta` (with `domain`, and `authorizationServerId` for a custom authorization server); `auth0` (with `domain`); `keycloak` (with `baseUrl` and `realm`); `gitlab` (`baseUrl` for a self-managed GitLab); `github` (OAuth 2.0, not OpenID Connect; `baseUrl` for GitHub Enterprise Server). Any other OpenID Connect provider: `{"id": "corp", "name": "Corp SSO", "issuer": "https://sso.corp.example", "clientId": "…", "clientSecret": "…"}`. Instead of `clientSecret`: `clientSecretFile` (a file holding it), or for OpenID Connect `privateKeyJwt: {"keyFile": "key.pem", "kid": "…"}`. Optional: `id` (default: the preset\'s name; it is in the redirect URI), `name` (the button), `scopes`, `claims` (`{"email", "name", "username", "groups"}`: the claim names to read). Register `<issuer>/signin/callback/<id>` as the redirect URI at the provider. Keep secrets out of the file: `LATCHKEY_IDENTITY_PROVIDERS` holds the same JSON, or use `clientSecretFile`. Needs `identity.allow`.',
  },
  {
    key: 'identity.allow',
    kind: { type: 'json', parse: jsonParser((value) => parseIdentityRule(value, 'identity.allow')), describe: 'a sign-in rule' },
    default: {},
    env: ['LATCHKEY_IDENTITY_ALLOW'],
    doc: 'Who may sign in with an upstream provider, checked at every sign-in: `{"emailDomains": ["example.com"], "emails": ["ada@partner.example"], "claim": {"name": "groups", "values": ["mcp-users"]}}` (any one matching is enough), or `{"anyone": true}`. A claim rule trusts the claim of its `provider` (`"claim": {"name": "groups", "values": [...], "provider": "corp"}`), which it must name when there are several providers: a claim means what its provider makes of it (anyone can create a gitlab.com group; any tenant\'s admin can assign an Entra role). Email claims are refused in claim rules: use `emails` or `emailDomains`. Email rules match only an address the provider says is verified (GitHub: the verified primary address; Microsoft Entra ID marks none verified, so use a tenant-specific `entra` preset or a `claim` rule such as `tid`). A first sign-in that is allowed creates the user, linked by the provider and its subject, never by email. Empty (the default) allows nobody, so a provider configured without a rule refuses to start.',
  },
  {
    key: 'identity.admins',
    kind: { type: 'json', parse: jsonParser((value) => parseIdentityRule(value, 'identity.admins', { allowAnyone: false })), describe: 'a sign-in rule' },
    default: {},
    env: ['LATCHKEY_IDENTITY_ADMINS'],
    doc: 'Who is an administrator when they sign in with an upstream provider, in the form of `identity.allow` (`{"emails": ["ops@example.com"]}`, `{"claim": {"name": "groups", "values": ["latchkey-admins"]}}`; `anyone` is refused here). A user created by an upstream sign-in is an administrator exactly while the rule names them (checked at each sign-in); a local user the rule names becomes one and stays one. Empty: upstream sign-ins never make anyone an administrator.',
  },
  {
    key: 'identity.enterpriseProviders',
    kind: { type: 'json', parse: jsonParser(parseEnterpriseProviders), describe: 'a list of enterprise identity providers' },
    default: [],
    env: ['LATCHKEY_IDENTITY_ENTERPRISE_PROVIDERS'],
    doc: 'Enterprise identity providers for enterprise-managed authorization (the MCP extension): `[{"id": "acme-idp", "issuer": "https://idp.acme.example", "jwksUri": "https://idp.acme.example/jwks"}]` (or `"jwks": {"keys": [...]}` inline, public keys only). A confidential client that registered the grant type `urn:ietf:params:oauth:grant-type:jwt-bearer` presents, as `assertion` at `/token`, an Identity Assertion JWT Authorization Grant (ID-JAG, `typ: oauth-id-jag+jwt`) that one of these IdPs signed for this issuer (`aud`) and for that client (`client_id`); it gets an access token for the assertion\'s user, with no refresh token (the client asks the IdP for a new assertion). The user is linked by the provider\'s `id` and the assertion\'s `sub`, as an upstream sign-in links them, and an unknown one is created when `identity.allow` admits them (email rules need `email` with `email_verified`). A `resource` claim must name a configured resource; scopes are those of the assertion and the request that the client registered and the resource offers. Each assertion is used once (`jti`) and lives at most 10 minutes. `id` must differ from those of `identity.providers`. Needs `identity.allow`.',
  },
  {
    key: 'token.rateLimit.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_TOKEN_RATE_LIMIT'],
    doc: 'Limit token requests per client IP address (`429` with `Retry-After`).',
  },
  {
    key: 'token.rateLimit.points',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 6000,
    env: ['LATCHKEY_TOKEN_RATE_LIMIT_POINTS'],
    doc: 'How many token requests one IP address may make per window. Many agents can share one address (a NAT, a hosted agent platform), so keep it generous.',
  },
  {
    key: 'token.rateLimit.durationSeconds',
    kind: { type: 'int', min: 1, max: 86_400 },
    default: 60,
    env: ['LATCHKEY_TOKEN_RATE_LIMIT_DURATION'],
    doc: 'The length of the token rate-limit window, in seconds.',
  },
  {
    key: 'authorize.rateLimit.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_AUTHORIZE_RATE_LIMIT'],
    doc: 'Limit the authorization pages (`GET /authorize`, `POST /login`, `POST /consent`) per client IP address: each new metadata-document `client_id` at `/authorize` is an outbound fetch. Refusals are a `429` page with `Retry-After`.',
  },
  {
    key: 'authorize.rateLimit.points',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 300,
    env: ['LATCHKEY_AUTHORIZE_RATE_LIMIT_POINTS'],
    doc: 'How many authorization page requests one IP address may make per window (one sign-in and consent takes about four). People behind one NAT share it.',
  },
  {
    key: 'authorize.rateLimit.durationSeconds',
    kind: { type: 'int', min: 1, max: 86_400 },
    default: 60,
    env: ['LATCHKEY_AUTHORIZE_RATE_LIMIT_DURATION'],
    doc: 'The length of the authorization pages\' rate-limit window, in seconds.',
  },
  {
    key: 'authorize.requirePushedRequests',
    kind: { type: 'bool' },
    default: false,
    env: ['LATCHKEY_AUTHORIZE_REQUIRE_PUSHED_REQUESTS'],
    doc: 'Require pushed authorization requests (RFC 9126) of every client: `/authorize` then refuses a request that was not pushed to `POST /par` first (`require_pushed_authorization_requests` in the metadata). When false, a client still may push, and one that registered `require_pushed_authorization_requests: true` must.',
  },
  {
    key: 'gateway.upstream',
    kind: { type: 'nullable-string' },
    default: null,
    env: ['LATCHKEY_GATEWAY_UPSTREAM'],
    flag: '--upstream',
    doc: 'Gateway mode (`latchkey gateway --upstream <url>`): the Streamable HTTP URL of an MCP server to put behind Latchkey, e.g. `http://127.0.0.1:3000/mcp`. Requests to `gateway.path` with a valid access token are forwarded to it, with the verified user and client in `X-Latchkey-User`, `X-Latchkey-Client` and `X-Latchkey-Scope` (any copy sent by the caller is removed first), and without the caller\'s `Authorization`, `DPoP` and `Cookie` headers. The upstream must not be reachable by anyone but the gateway: it trusts those headers.',
  },
  {
    key: 'gateway.command',
    kind: { type: 'json', parse: parseGatewayCommand, describe: 'a command and its arguments' },
    default: [],
    env: ['LATCHKEY_GATEWAY_COMMAND'],
    doc: 'Gateway mode for a stdio MCP server (`latchkey gateway -- <command> [args…]`): the program and its arguments, e.g. `["npx", "-y", "@modelcontextprotocol/server-everything"]`. Each MCP session gets its own process, started with the user, client and scope of the token that opened the session in `LATCHKEY_USER_ID`, `LATCHKEY_CLIENT_ID` and `LATCHKEY_SCOPE` (a later token with more scope, after step-up, is checked by the gateway but does not change the environment of the process), and only the environment variables `gateway.childEnv` names besides the few a program needs (`PATH`, `HOME`…): Latchkey\'s own secrets never reach it.',
  },
  {
    key: 'gateway.path',
    kind: { type: 'path' },
    default: '/mcp',
    env: ['LATCHKEY_GATEWAY_PATH'],
    flag: '--path',
    doc: 'Where the gateway answers, under the issuer: the resource identifier (RFC 8707) is the issuer followed by this path, and the gateway registers itself as that resource, with `gateway.scopes` and the scopes of `gateway.toolScopes`. Its RFC 9728 metadata is at `/.well-known/oauth-protected-resource` followed by the same path.',
  },
  {
    key: 'gateway.resourceName',
    kind: { type: 'string' },
    default: 'MCP server',
    env: ['LATCHKEY_GATEWAY_RESOURCE_NAME'],
    doc: 'The name of the gateway\'s resource on the consent page and in its metadata (`resource_name`).',
  },
  {
    key: 'gateway.scopes',
    kind: { type: 'list', item: 'string' },
    default: ['mcp'],
    env: ['LATCHKEY_GATEWAY_SCOPES'],
    doc: 'The scopes every request through the gateway needs; the `401` challenge names them, so that agents ask for them.',
  },
  {
    key: 'gateway.toolScopes',
    kind: { type: 'json', parse: parseToolScopes, describe: 'tool name patterns and their scopes' },
    default: {},
    env: ['LATCHKEY_GATEWAY_TOOL_SCOPES'],
    doc: 'Tool-level scopes: tool name patterns (`*` any run of characters, `?` one) and the scopes a `tools/call` of a matching tool needs beyond `gateway.scopes`, e.g. `{"delete_*": ["notes:write"], "admin/*": ["admin"]}`. A tool matching several patterns needs the scopes of all of them. A call outside the token\'s scope is refused with `403 insufficient_scope` naming every scope it needs, which MCP agents answer by asking the user for more (step-up).',
  },
  {
    key: 'gateway.toolList',
    kind: { type: 'enum', values: ['all', 'permitted'] },
    default: 'all',
    env: ['LATCHKEY_GATEWAY_TOOL_LIST'],
    doc: '`all`: `tools/list` shows every tool, so that an agent can step up to call one its token does not cover. `permitted`: only the tools the token may call.',
  },
  {
    key: 'gateway.revocationCacheSeconds',
    kind: { type: 'int', min: 0, max: 300 },
    default: 5,
    env: ['LATCHKEY_GATEWAY_REVOCATION_CACHE'],
    doc: 'How long the gateway trusts its last look at whether an access token, or its grant, was revoked: a revoked app or token is refused within this many seconds, not at the token\'s expiry. 0 reads the database on every request.',
  },
  {
    key: 'gateway.maxRequestBytes',
    kind: { type: 'int', min: 1024, max: 256 * 1024 * 1024 },
    default: 4 * 1024 * 1024,
    env: ['LATCHKEY_GATEWAY_MAX_REQUEST_BYTES'],
    doc: 'The largest request body the gateway forwards; larger ones are refused with `413` before they are read.',
  },
  {
    key: 'gateway.maxResponseBytes',
    kind: { type: 'int', min: 1024, max: 4 * 1024 * 1024 * 1024 },
    default: 64 * 1024 * 1024,
    env: ['LATCHKEY_GATEWAY_MAX_RESPONSE_BYTES'],
    doc: 'The most an upstream may send in answer to one POST (its SSE stream included): a larger declared answer is `502`, a longer stream is cut, and the agent retries. The session\'s standing GET stream is relayed as it comes, without a bound.',
  },
  {
    key: 'gateway.timeoutSeconds',
    kind: { type: 'duration', min: 1, max: 86_400 },
    default: 60,
    env: ['LATCHKEY_GATEWAY_TIMEOUT'],
    doc: 'How long the upstream may take to start answering a request (its response headers); then the agent gets `504` with a JSON-RPC error.',
  },
  {
    key: 'gateway.idleTimeoutSeconds',
    kind: { type: 'duration', min: 1, max: 86_400 },
    default: 300,
    env: ['LATCHKEY_GATEWAY_IDLE_TIMEOUT'],
    doc: 'How long an answer (an SSE stream) may stay silent before the gateway closes it; the agent reconnects with `Last-Event-ID`.',
  },
  {
    key: 'gateway.maxSessions',
    kind: { type: 'int', min: 1, max: 100_000 },
    default: 100,
    env: ['LATCHKEY_GATEWAY_MAX_SESSIONS'],
    doc: 'stdio servers: the most MCP sessions (each its own process) at once; one more is refused with `503` and `Retry-After`.',
  },
  {
    key: 'gateway.maxSessionsPerUser',
    kind: { type: 'int', min: 1, max: 100_000 },
    default: 5,
    env: ['LATCHKEY_GATEWAY_MAX_SESSIONS_PER_USER'],
    doc: 'stdio servers: the most MCP sessions one user may hold at once, whatever the client; one more is refused with `429` and `Retry-After`, so that no one user can take every session from the others.',
  },
  {
    key: 'gateway.sessionIdleSeconds',
    kind: { type: 'duration', min: 5, max: 7 * 86_400 },
    default: 900,
    env: ['LATCHKEY_GATEWAY_SESSION_IDLE'],
    doc: 'stdio servers: a session unused for this long is ended and its process stopped; the agent starts a new one.',
  },
  {
    key: 'gateway.childEnv',
    kind: { type: 'list', item: 'string' },
    default: [],
    env: ['LATCHKEY_GATEWAY_CHILD_ENV'],
    doc: 'stdio servers: the names of environment variables passed from Latchkey\'s environment to each process (an API key the server needs, say). Nothing else is passed but `PATH`, `HOME` and the like.',
  },
  {
    key: 'gateway.rateLimit.enabled',
    kind: { type: 'bool' },
    default: true,
    env: ['LATCHKEY_GATEWAY_RATE_LIMIT'],
    doc: 'Limit requests through the gateway per user and per client (shared through Redis when `redis.url` is set); a refusal is `429` with `Retry-After` and a JSON-RPC error.',
  },
  {
    key: 'gateway.rateLimit.userPoints',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 1200,
    env: ['LATCHKEY_GATEWAY_RATE_LIMIT_USER_POINTS'],
    doc: 'How many requests one user may send through the gateway per window, whatever the client.',
  },
  {
    key: 'gateway.rateLimit.clientPoints',
    kind: { type: 'int', min: 1, max: 10_000_000 },
    default: 12_000,
    env: ['LATCHKEY_GATEWAY_RATE_LIMIT_CLIENT_POINTS'],
    doc: 'How many requests one client may send through the gateway per window, for all its users together (a metadata-document client such as a desktop app is one client for all of its users: keep it high).',
  },
  {
    key: 'gateway.rateLimit.durationSeconds',
    kind: { type: 'int', min: 1, max: 86_400 },
    default: 60,
    env: ['LATCHKEY_GATEWAY_RATE_LIMIT_DURATION'],
    doc: 'The length of the gateway\'s rate-limit window, in seconds.',
  },
  {
    key: 'gateway.auditArguments',
    kind: { type: 'bool' },
    default: false,
    env: ['LATCHKEY_GATEWAY_AUDIT_ARGUMENTS'],
    doc: 'Record the arguments of each tool call in its audit event (`gateway.tool_called`, up to 4 KiB). Off by default: arguments may hold what users would not want kept.',
  },
];

/** A `json` kind's parser from a function that throws an Error whose message says what is wrong. */
function jsonParser<T>(parse: (value: unknown) => T): (value: unknown) => T | string {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      return (error as Error).message;
    }
  };
}

/** The scope registered when neither the request nor `registration.defaultScope` names one. */
export const fallbackDefaultScope = 'openid profile email';
