/**
 * The peer of the benchmark: node-oidc-provider (the `oidc-provider` dev dependency), the server a user would pick
 * instead of Latchkey, configured as close to Latchkey's bench set-up as it allows, so that `bench/register.ts`
 * and `bench/token.ts` load both in the same run:
 *
 * - its in-memory adapter (`lib/adapters/memory_adapter.js`), on a store large enough that nothing a run
 *   creates is evicted: its default store keeps only about 1,000 entries, so pre-minted codes and refresh tokens
 *   (and registered clients) would be forgotten before they are used;
 * - open dynamic registration at `POST /register` (`features.registration`, no initial access token);
 * - the token endpoint at `POST /token`: PKCE required (S256, the only method of 9.x), client authentication
 *   `none` for the public clients the benchmark registers, refresh tokens issued to any client allowed the
 *   `refresh_token` grant and rotated on every use (`rotateRefreshToken: true`);
 * - access tokens as JWTs (RFC 9068) for the resource indicator `https://mcp.bench.example/mcp`
 *   (`features.resourceIndicators`, scope `mcp:tools`), signed ES256 as Latchkey's, with ID tokens signed ES256
 *   too (`clientDefaults.id_token_signed_response_alg`).
 *
 * Codes and refresh tokens are minted before a measured run through the provider's own models (`Grant`,
 * `AuthorizationCode`, `RefreshToken`, `.save()`), as its authorization endpoint would leave them, by
 * `POST /bench/mint` (a route of this file, in front of the provider's; never loaded by the measured runs).
 *
 *   node bench/oidc-provider-server.ts [--host 127.0.0.1] [--port 0]
 *
 * Logs one JSON line, `{"msg":"oidc-provider is listening","address":"http://…"}`, once it listens.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import Provider, { errors, type Adapter, type AdapterFactory, type Configuration, type ResourceServer } from 'oidc-provider';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } },
});

/** The resource server of the bench (Latchkey's bench uses the same `resource`) and its one scope. */
const benchResource = 'https://mcp.bench.example/mcp';
const benchResourceServer: ResourceServer = {
  scope: 'mcp:tools',
  audience: benchResource,
  accessTokenFormat: 'jwt',
  accessTokenTTL: 3600,
  jwt: { sign: { alg: 'ES256' } },
};
const hour = 3600;
const day = 24 * hour;


const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const configuration: Configuration = {
  adapter: await largeMemoryAdapter(),
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic' },
  routes: { registration: '/register', token: '/token' },
  features: {
    registration: { enabled: true },
    // The benchmark mints its grants directly: no login pages.
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => benchResource,
      // A refresh keeps the resource of its grant without a `resource` parameter, as Latchkey's does.
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== benchResource) throw new errors.InvalidTarget();
        return benchResourceServer;
      },
    },
  },
  pkce: { required: () => true },
  // Its default issues refresh tokens only for `offline_access`; Latchkey issues one with every code exchange.
  issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: 'Bench User', preferred_username: `bench-${sub.slice(0, 8)}`, email: 'bench@example.com', email_verified: false }),
  }),
  // Latchkey's defaults; set, too, so that the provider never warns about a default lifetime under load.
  ttl: {
    AccessToken: hour,
    AuthorizationCode: 60,
    ClientCredentials: hour,
    IdToken: hour,
    RefreshToken: 30 * day,
    Grant: 30 * day,
    Session: day,
    Interaction: hour,
  },
};

/**
 * The provider's own in-memory adapter (`MemoryAdapter`, what it uses when given none), on a store of the same
 * kind as its default one (its LRU class) but with room for everything a run creates: the default store, made
 * per provider by `createMemoryAdapter`, holds about 1,000 entries. Imported by a computed name: these modules
 * have no typings.
 */
async function largeMemoryAdapter(): Promise<AdapterFactory> {
  const adapterModule = 'oidc-provider/lib/adapters/memory_adapter.js';
  const lruModule = 'oidc-provider/lib/helpers/lru.js';
  const { default: MemoryAdapter } = (await import(adapterModule)) as { default: new (model: string, store: unknown, clockTolerance: number) => Adapter };
  const { default: LRU } = (await import(lruModule)) as { default: new (options: { maxSize: number }) => unknown };
  const store = new LRU({ maxSize: 50_000_000 });
  // The provider's default clockTolerance, which createMemoryAdapter passes on.
  const clockTolerance = 15;
  return (model) => new MemoryAdapter(model, store, clockTolerance);
}

// ---------------------------------------------------------------------------------------------------------
// Minting (before the measured runs).

/** What `POST /bench/mint` takes: `count` codes (PKCE S256 challenge, redirect URI) or refresh tokens, each of a grant of its own. */
interface MintRequest {
  kind: 'code' | 'refresh';
  clientId: string;
  count: number;
  /** OpenID scopes (`openid profile`) go on the grant's OpenID part, the rest on the resource's. */
  scope: string;
  redirectUri?: string;
  codeChallenge?: string;
  nonce?: string;
}

const oidcScopes = new Set(['openid', 'offline_access', 'profile', 'email']);

async function mint(provider: Provider, request: MintRequest): Promise<string[]> {
  const client = await provider.Client.find(request.clientId);
  if (!client) throw new Error(`unknown client ${request.clientId}`);
  const scopes = request.scope.split(' ').filter(Boolean);
  const accountId = randomBytes(8).toString('hex');
  const authTime = Math.floor(Date.now() / 1000);
  const minted: string[] = [];
  for (let n = 0; n < request.count; n++) {
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope(scopes.filter((scope) => oidcScopes.has(scope)));
    grant.addResourceScope(benchResource, scopes.filter((scope) => !oidcScopes.has(scope)));
    const grantId = await grant.save();
    const common = { client, accountId, grantId, scope: request.scope, resource: benchResource, authTime, gty: 'authorization_code' };
    if (request.kind === 'code') {
      const code = new provider.AuthorizationCode({
        ...common,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
        codeChallengeMethod: 'S256',
        nonce: request.nonce,
        // A long run must not see them expire (real ones live a minute), as Latchkey's bench codes.
        expiresIn: day,
      });
      minted.push(await code.save());
    } else {
      minted.push(await new provider.RefreshToken({ ...common, rotations: 0 }).save());
    }
  }
  return minted;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function answerMint(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const minted = await mint(provider, (await readJson(request)) as MintRequest);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(minted));
  } catch (error) {
    response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Listening.

const port = Number(values.port);
const provider = new Provider(`http://${values.host}:${port}`, configuration);
const handle = provider.callback();
const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/bench/mint') void answerMint(provider, request, response);
  else void handle(request, response);
});
// Match Fastify's default, so that neither server drops idle keep-alive connections mid-run.
server.keepAliveTimeout = 72_000;

server.listen(port, values.host, () => {
  const { address, port: bound } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  process.stdout.write(`${JSON.stringify({ level: 30, msg: 'oidc-provider is listening', address: `http://${host}:${bound}` })}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
