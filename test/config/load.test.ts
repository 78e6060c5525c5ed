import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fallbackDefaultScope, options } from '../../src/config/defaults.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

let dir: string;
let fileCount = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `content` (JSON unless a string) to a fresh file and returns its path. */
function configFile(content: unknown): string {
  const path = join(dir, `config-${++fileCount}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Asserts that loading fails with a {@link ConfigError} whose message matches every pattern. */
function assertConfigError(run: () => unknown, ...patterns: (RegExp | string)[]): void {
  assert.throws(run, (e) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    for (const pattern of patterns) {
      if (typeof pattern === 'string') assert.ok(e.message.includes(pattern), `${JSON.stringify(e.message)} should mention ${pattern}`);
      else assert.match(e.message, pattern);
    }
    return true;
  });
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('gives every option its documented default with no sources', () => {
      const config = loadConfig({ env: {} });
      assert.deepEqual(config, {
        issuer: 'http://localhost:8080',
        host: 'localhost',
        port: 8080,
        logLevel: 'info',
        trustProxy: false,
        metrics: { enabled: true, path: '/metrics', bearerToken: null },
        database: { url: 'sqlite:./data/latchkey.db', sqliteSynchronous: 'full', poolSize: 10 },
        registration: {
          profile: 'default',
          path: '/register',
          aliases: [],
          defaultScope: null,
          maxRedirectUris: 10,
          maxUriLength: 2000,
          maxStringLength: 1000,
          maxClientNameLength: 200,
          maxContacts: 10,
          rateLimit: { enabled: true, points: 60, durationSeconds: 60 },
          mode: 'open',
          policy: null,
          policies: {},
          softwareStatement: { required: false, issuers: [] },
          flagLookAlikes: true,
        },
        cimd: { enabled: true, allowPrivateAddresses: false, maxBytes: 16_384, timeoutMs: 5000, minCacheSeconds: 60, maxCacheSeconds: 86_400 },
        audit: { retentionDays: 90 },
        cleanup: { enabled: true, unusedAfter: 86_400, idleAfter: 7_776_000, interval: 3600, batchSize: 100 },
        redis: { url: null, keyPrefix: 'latchkey' },
        scopes: { supported: ['openid', 'profile', 'email', 'offline_access', 'mcp', 'mcp:tools', 'mcp:resources', 'mcp:prompts'] },
        resources: [],
        tokens: { accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 2_592_000, refreshReuseGraceSeconds: 10, idTokenTtlSeconds: 3600, dpopNonce: true },
        keys: { algorithm: 'ES256', rotationGraceSeconds: 172_800, refreshSeconds: 60 },
        secrets: { keyEncryptionKey: null, keyEncryptionKeyFile: null, oldKeyEncryptionKeys: [] },
        login: { maxFailures: 5, windowSeconds: 900, sessionTtlSeconds: 28_800 },
        identity: { localPasswords: true, providers: [], allow: {}, admins: {}, enterpriseProviders: [] },
        token: { rateLimit: { enabled: true, points: 6000, durationSeconds: 60 } },
        authorize: { rateLimit: { enabled: true, points: 300, durationSeconds: 60 }, requirePushedRequests: false },
        gateway: {
          upstream: null,
          command: [],
          path: '/mcp',
          resourceName: 'MCP server',
          scopes: ['mcp'],
          toolScopes: {},
          toolList: 'all',
          revocationCacheSeconds: 5,
          maxRequestBytes: 4 * 1024 * 1024,
          maxResponseBytes: 64 * 1024 * 1024,
          timeoutSeconds: 60,
          idleTimeoutSeconds: 300,
          maxSessions: 100,
          maxSessionsPerUser: 5,
          sessionIdleSeconds: 900,
          childEnv: [],
          rateLimit: { enabled: true, userPoints: 1200, clientPoints: 12_000, durationSeconds: 60 },
          auditArguments: false,
        },
      });
    });

    it('reads durations as seconds or with a unit (cleanup.idleAfter from 90d)', () => {
      const config = loadConfig({ env: { LATCHKEY_CLEANUP_IDLE_AFTER: '90d', LATCHKEY_CLEANUP_UNUSED_AFTER: '36h' } });
      assert.equal(config.cleanup.idleAfter, 90 * 86_400);
      assert.equal(config.cleanup.unusedAfter, 36 * 3600);
      assert.throws(() => loadConfig({ env: { LATCHKEY_CLEANUP_IDLE_AFTER: '3 days' } }), /cleanup\.idleAfter \(from environment variable LATCHKEY_CLEANUP_IDLE_AFTER\) must be a duration/);
    });

    it('reads whether DPoP proofs need a server nonce (on by default)', () => {
      assert.equal(loadConfig({ env: { LATCHKEY_DPOP_NONCE: 'false' } }).tokens.dpopNonce, false);
      assert.equal(loadConfig({}).tokens.dpopNonce, true);
    });

    it('reads the refresh token reuse grace window, 0 (off) to 300 seconds', () => {
      assert.equal(loadConfig({ env: { LATCHKEY_REFRESH_REUSE_GRACE: '0' } }).tokens.refreshReuseGraceSeconds, 0);
      assert.equal(loadConfig({ env: { LATCHKEY_REFRESH_REUSE_GRACE: '300' } }).tokens.refreshReuseGraceSeconds, 300);
      for (const bad of ['-1', '301', '2.5']) {
        assert.throws(() => loadConfig({ env: { LATCHKEY_REFRESH_REUSE_GRACE: bad } }), /tokens\.refreshReuseGraceSeconds/, bad);
      }
    });

    it('reads registration policies as JSON from the environment and refuses unknown members', () => {
      const config = loadConfig({
        env: { LATCHKEY_REGISTRATION_POLICIES: '{"partners": {"allowRedirectHosts": ["*.Partner.example"], "maxClients": 3}}', LATCHKEY_REGISTRATION_POLICY: 'partners' },
      });
      assert.deepEqual(config.registration.policies, { partners: { allowRedirectHosts: ['*.partner.example'], maxClients: 3 } });
      assert.throws(
        () => loadConfig({ env: { LATCHKEY_REGISTRATION_POLICIES: '{"p": {"allowHosts": []}}' } }),
        /registration\.policies \(from environment variable LATCHKEY_REGISTRATION_POLICIES\) must be known members only in policy "p" \(unknown "allowHosts"\)/,
      );
      assert.throws(() => loadConfig({ env: { LATCHKEY_REGISTRATION_POLICIES: '{not json' } }), /must be an object of named policies as JSON/);
    });

    it('refuses a registration.policy that names no defined policy', () => {
      assert.throws(() => loadConfig({ env: { LATCHKEY_REGISTRATION_POLICY: 'nope' } }), /registration\.policy names the policy "nope", which registration\.policies does not define/);
    });

    it('refuses a software statement issuer with both or neither of jwks and jwksUri', () => {
      assert.throws(
        () => loadConfig({ overrides: { 'registration.softwareStatement.issuers': [{ issuer: 'https://a.example' }] } }),
        /exactly one of "jwks" and "jwksUri" for issuer "https:\/\/a\.example"/,
      );
    });

    it('refuses a key rotation grace period shorter than the token lifetimes', () => {
      assert.throws(
        () => loadConfig({ env: {}, overrides: { 'keys.rotationGraceSeconds': 600, 'tokens.accessTokenTtlSeconds': 3600 } }),
        /keys\.rotationGraceSeconds \(600\) must be longer than the access and ID token lifetimes \(3600\)/,
      );
    });

    it('does not read process.env when no env is given', () => {
      const saved = process.env['LATCHKEY_PORT'];
      process.env['LATCHKEY_PORT'] = '9999';
      try {
        assert.equal(loadConfig().port, 8080);
      } finally {
        if (saved === undefined) delete process.env['LATCHKEY_PORT'];
        else process.env['LATCHKEY_PORT'] = saved;
      }
    });

    it('returns a deeply frozen configuration', () => {
      const config = loadConfig({ env: {} });
      assert.ok(Object.isFrozen(config));
      assert.ok(Object.isFrozen(config.registration));
      assert.ok(Object.isFrozen(config.registration.rateLimit));
      assert.ok(Object.isFrozen(config.registration.aliases));
      assert.throws(() => {
        (config as { port: number }).port = 1;
      }, TypeError);
    });

    it('documents every option, with a default that loads', () => {
      for (const option of options) assert.ok(option.doc.length > 10, option.key);
      assert.equal(fallbackDefaultScope, 'openid profile email');
    });
  });

  describe('environment variables', () => {
    const fromEnv: [string, Record<string, string>, (c: ReturnType<typeof loadConfig>) => unknown, unknown][] = [
      ['LATCHKEY_ISSUER', { LATCHKEY_ISSUER: 'https://as.example.com' }, (c) => c.issuer, 'https://as.example.com'],
      ['ISSUER', { ISSUER: 'https://as.example.com' }, (c) => c.issuer, 'https://as.example.com'],
      ['PORT as an integer', { PORT: '3000' }, (c) => c.port, 3000],
      ['LATCHKEY_PORT with spaces', { LATCHKEY_PORT: ' 3000 ' }, (c) => c.port, 3000],
      ['LATCHKEY_HOST', { LATCHKEY_HOST: '0.0.0.0' }, (c) => c.host, '0.0.0.0'],
      ['LATCHKEY_LOG_LEVEL', { LATCHKEY_LOG_LEVEL: 'debug' }, (c) => c.logLevel, 'debug'],
      ['LATCHKEY_TRUST_PROXY=true', { LATCHKEY_TRUST_PROXY: 'true' }, (c) => c.trustProxy, true],
      ['LATCHKEY_TRUST_PROXY=1', { LATCHKEY_TRUST_PROXY: '1' }, (c) => c.trustProxy, true],
      ['LATCHKEY_METRICS_ENABLED=false', { LATCHKEY_METRICS_ENABLED: 'false' }, (c) => c.metrics.enabled, false],
      ['LATCHKEY_METRICS_PATH', { LATCHKEY_METRICS_PATH: '/internal/metrics' }, (c) => c.metrics.path, '/internal/metrics'],
      ['LATCHKEY_METRICS_BEARER_TOKEN', { LATCHKEY_METRICS_BEARER_TOKEN: 's3cret-scrape-token' }, (c) => c.metrics.bearerToken, 's3cret-scrape-token'],
      ['LATCHKEY_REGISTRATION_RATE_LIMIT=false', { LATCHKEY_REGISTRATION_RATE_LIMIT: 'false' }, (c) => c.registration.rateLimit.enabled, false],
      ['LATCHKEY_REGISTRATION_RATE_LIMIT=0', { LATCHKEY_REGISTRATION_RATE_LIMIT: '0' }, (c) => c.registration.rateLimit.enabled, false],
      ['DATABASE_URL', { DATABASE_URL: 'postgres://u@db:5432/latchkey' }, (c) => c.database.url, 'postgres://u@db:5432/latchkey'],
      ['LATCHKEY_REGISTRATION_PROFILE', { LATCHKEY_REGISTRATION_PROFILE: 'public-only' }, (c) => c.registration.profile, 'public-only'],
      [
        'LATCHKEY_REGISTRATION_DEFAULT_SCOPE',
        { LATCHKEY_REGISTRATION_DEFAULT_SCOPE: 'mcp offline_access' },
        (c) => c.registration.defaultScope,
        'mcp offline_access',
      ],
      [
        'LATCHKEY_REGISTRATION_ALIASES as a comma-separated list',
        { LATCHKEY_REGISTRATION_ALIASES: '/v1/provider-mcp/oauth/register,/api/v2/oauth2/register' },
        (c) => c.registration.aliases,
        ['/v1/provider-mcp/oauth/register', '/api/v2/oauth2/register'],
      ],
      [
        'LATCHKEY_REGISTRATION_ALIASES with spaces and empty items',
        { LATCHKEY_REGISTRATION_ALIASES: ' /a , ,/b,, ' },
        (c) => c.registration.aliases,
        ['/a', '/b'],
      ],
      ['LATCHKEY_REGISTRATION_ALIASES of only commas as an empty list', { LATCHKEY_REGISTRATION_ALIASES: ', ,' }, (c) => c.registration.aliases, []],
    ];
    for (const [what, env, read, expected] of fromEnv) {
      it(`reads ${what}`, () => {
        assert.deepEqual(read(loadConfig({ env })), expected);
      });
    }

    it('prefers the LATCHKEY_ variable over the generic one', () => {
      assert.equal(loadConfig({ env: { ISSUER: 'https://generic.example', LATCHKEY_ISSUER: 'https://latchkey.example' } }).issuer, 'https://latchkey.example');
      assert.equal(loadConfig({ env: { PORT: '1', LATCHKEY_PORT: '2' } }).port, 2);
    });

    it('ignores empty variables and falls through to the next name', () => {
      assert.equal(loadConfig({ env: { LATCHKEY_PORT: '', PORT: '3000' } }).port, 3000);
      assert.equal(loadConfig({ env: { LATCHKEY_PORT: '', PORT: '' } }).port, 8080);
    });

    it('ignores variables it does not know', () => {
      assert.equal(loadConfig({ env: { LATCHKEY_UNKNOWN: 'x', PATH: '/usr/bin' } }).port, 8080);
    });

    const invalid: [string, Record<string, string>, string, string][] = [
      ['a port that is not a number', { LATCHKEY_PORT: 'http' }, 'port', 'environment variable LATCHKEY_PORT'],
      ['a port out of range', { PORT: '65536' }, 'port', 'environment variable PORT'],
      ['a negative port', { PORT: '-1' }, 'port', 'environment variable PORT'],
      ['a port with a fraction', { PORT: '80.5' }, 'port', 'environment variable PORT'],
      ['a port in hex', { PORT: '0x50' }, 'port', 'environment variable PORT'],
      ['a boolean that is not true or false', { LATCHKEY_TRUST_PROXY: 'yes' }, 'trustProxy', 'environment variable LATCHKEY_TRUST_PROXY'],
      ['an unknown log level', { LOG_LEVEL: 'verbose' }, 'logLevel', 'environment variable LOG_LEVEL'],
      ['an unknown profile', { LATCHKEY_REGISTRATION_PROFILE: 'open' }, 'registration.profile', 'environment variable LATCHKEY_REGISTRATION_PROFILE'],
      ['an issuer that is not a URL', { LATCHKEY_ISSUER: 'as.example.com' }, 'issuer', 'environment variable LATCHKEY_ISSUER'],
      ['an issuer with another scheme', { LATCHKEY_ISSUER: 'ftp://as.example.com' }, 'issuer', 'environment variable LATCHKEY_ISSUER'],
      ['an alias that is not a path', { LATCHKEY_REGISTRATION_ALIASES: '/ok,register' }, 'registration.aliases', 'environment variable LATCHKEY_REGISTRATION_ALIASES'],
      ['a blank default scope', { LATCHKEY_REGISTRATION_DEFAULT_SCOPE: '   ' }, 'registration.defaultScope', 'environment variable LATCHKEY_REGISTRATION_DEFAULT_SCOPE'],
      ['a pool size of 0', { LATCHKEY_DATABASE_POOL_SIZE: '0' }, 'database.poolSize', 'environment variable LATCHKEY_DATABASE_POOL_SIZE'],
      ['a URI length under the minimum', { LATCHKEY_REGISTRATION_MAX_URI_LENGTH: '63' }, 'registration.maxUriLength', 'environment variable LATCHKEY_REGISTRATION_MAX_URI_LENGTH'],
    ];
    for (const [what, env, key, source] of invalid) {
      it(`rejects ${what}, naming ${key} and ${source}`, () => {
        assertConfigError(() => loadConfig({ env }), `${key} (from ${source})`);
      });
    }
  });

  describe('configuration file', () => {
    it('reads nested objects as dotted keys', () => {
      const file = configFile({ port: 9000, registration: { profile: 'confidential', rateLimit: { points: 5 } } });
      const config = loadConfig({ file, env: {} });
      assert.equal(config.port, 9000);
      assert.equal(config.registration.profile, 'confidential');
      assert.equal(config.registration.rateLimit.points, 5);
      assert.equal(config.registration.rateLimit.enabled, true);
    });

    it('reads dotted keys', () => {
      const file = configFile({ 'registration.profile': 'public-only', 'database.poolSize': 3 });
      const config = loadConfig({ file, env: {} });
      assert.equal(config.registration.profile, 'public-only');
      assert.equal(config.database.poolSize, 3);
    });

    it('reads lists as JSON arrays', () => {
      const file = configFile({ registration: { aliases: ['/v1/register', '/v2/register'] } });
      assert.deepEqual(loadConfig({ file, env: {} }).registration.aliases, ['/v1/register', '/v2/register']);
    });

    it('reads null for a nullable option', () => {
      const file = configFile({ registration: { defaultScope: null } });
      assert.equal(loadConfig({ file, env: { LATCHKEY_REGISTRATION_DEFAULT_SCOPE: '' } }).registration.defaultScope, null);
    });

    it('is found through LATCHKEY_CONFIG', () => {
      const file = configFile({ port: 9001 });
      assert.equal(loadConfig({ env: { LATCHKEY_CONFIG: file } }).port, 9001);
    });

    it('prefers the file given in the sources over LATCHKEY_CONFIG', () => {
      const file = configFile({ port: 9002 });
      const other = configFile({ port: 9003 });
      assert.equal(loadConfig({ file, env: { LATCHKEY_CONFIG: other } }).port, 9002);
    });

    const unknownKeys: [string, unknown, string][] = [
      ['a top-level key', { prot: 8080 }, 'prot'],
      ['a nested key', { registration: { profiel: 'default' } }, 'registration.profiel'],
      ['a deeply nested key', { registration: { rateLimit: { enable: false } } }, 'registration.rateLimit.enable'],
      ['a group given a value', { registration: 'default' }, 'registration'],
      ['a dotted key', { 'database.uri': 'sqlite::memory:' }, 'database.uri'],
      ['__proto__', '{"__proto__": 1}', '__proto__'],
      ['__proto__ with an object', '{"__proto__": {"port": 1}}', '__proto__.port'],
      ['constructor', '{"constructor": 1}', 'constructor'],
    ];
    for (const [what, content, key] of unknownKeys) {
      it(`rejects ${what} it does not know, naming "${key}" and the file`, () => {
        const file = configFile(content);
        assertConfigError(() => loadConfig({ file, env: {} }), `Unknown configuration key "${key}"`, file);
      });
    }

    const invalidValues: [string, unknown, string][] = [
      ['a port given as a string of letters', { port: 'eighty' }, 'port'],
      ['a port given as a float', { port: 80.5 }, 'port'],
      ['a port given as a boolean', { port: true }, 'port'],
      ['a port given as an object', { port: { value: 1 } }, 'port'],
      ['a profile given as a number', { registration: { profile: 1 } }, 'registration.profile'],
      ['a list given as a string of an array', { registration: { aliases: 5 } }, 'registration.aliases'],
      ['a list holding a number', { registration: { aliases: ['/a', 1] } }, 'registration.aliases'],
      ['a list holding a relative path', { registration: { aliases: ['register'] } }, 'registration.aliases'],
      ['a host given as null', { host: null }, 'host'],
      ['an empty host', { host: '' }, 'host'],
      ['an issuer given as a number', { issuer: 8080 }, 'issuer'],
      ['a registration path of /', { registration: { path: '/' } }, 'registration.path'],
      ['a registration path with a trailing slash', { registration: { path: '/register/' } }, 'registration.path'],
      ['a registration path with a query', { registration: { path: '/register?x=1' } }, 'registration.path'],
    ];
    for (const [what, content, key] of invalidValues) {
      it(`rejects ${what}, naming ${key} and the file`, () => {
        const file = configFile(content);
        assertConfigError(() => loadConfig({ file, env: {} }), `${key} (from ${file})`);
      });
    }

    it('rejects a file that is not JSON, naming the file', () => {
      const file = configFile('{ port: 8080 }');
      assertConfigError(() => loadConfig({ file, env: {} }), `Cannot read configuration file ${file}`);
    });

    it('rejects a file that does not exist, naming the file', () => {
      const file = join(dir, 'missing.json');
      assertConfigError(() => loadConfig({ file, env: {} }), file);
    });

    for (const content of ['[]', '"port"', '42', 'null']) {
      it(`rejects a file holding ${content} instead of an object, naming the file`, () => {
        const file = configFile(content);
        assertConfigError(() => loadConfig({ file, env: {} }), file, 'JSON object');
      });
    }
  });

  describe('precedence: default < file < environment < flags < overrides', () => {
    it('lets the file win over the default', () => {
      assert.equal(loadConfig({ file: configFile({ port: 1001 }), env: {} }).port, 1001);
    });

    it('lets the environment win over the file', () => {
      assert.equal(loadConfig({ file: configFile({ port: 1001 }), env: { PORT: '1002' } }).port, 1002);
    });

    it('lets flags win over the environment and the file', () => {
      assert.equal(loadConfig({ file: configFile({ port: 1001 }), env: { PORT: '1002' }, flags: { port: '1003' } }).port, 1003);
    });

    it('lets overrides win over flags, the environment and the file', () => {
      const config = loadConfig({ file: configFile({ port: 1001 }), env: { PORT: '1002' }, flags: { port: '1003' }, overrides: { port: 1004 } });
      assert.equal(config.port, 1004);
    });

    it('skips flags and overrides that are undefined', () => {
      assert.equal(loadConfig({ env: { PORT: '1002' }, flags: { port: undefined }, overrides: { port: undefined } }).port, 1002);
    });

    it('merges sources option by option', () => {
      const config = loadConfig({
        file: configFile({ host: 'file-host', registration: { profile: 'confidential' } }),
        env: { LATCHKEY_PORT: '2000' },
        flags: { logLevel: 'warn' },
        overrides: { 'registration.maxContacts': 3 },
      });
      assert.equal(config.host, 'file-host');
      assert.equal(config.registration.profile, 'confidential');
      assert.equal(config.port, 2000);
      assert.equal(config.logLevel, 'warn');
      assert.equal(config.registration.maxContacts, 3);
    });

    it('names the flag when a flag value is invalid', () => {
      assertConfigError(() => loadConfig({ env: {}, flags: { port: 'x' } }), 'port (from --port)');
      assertConfigError(() => loadConfig({ env: {}, flags: { 'registration.profile': 'x' } }), 'registration.profile (from --profile)');
    });

    it('names the key when a flag has no flag name', () => {
      assertConfigError(() => loadConfig({ env: {}, flags: { 'database.poolSize': 0 } }), 'database.poolSize (from database.poolSize)');
    });

    it('names the override when an override value is invalid', () => {
      assertConfigError(() => loadConfig({ env: {}, overrides: { 'registration.maxRedirectUris': 0 } }), 'registration.maxRedirectUris (from override)');
    });

    it('rejects an unknown flag key, saying it came from the flags', () => {
      assertConfigError(() => loadConfig({ env: {}, flags: { prot: 1 } }), 'Unknown configuration key "prot"', 'flags');
    });

    it('rejects an unknown override key, saying it came from the overrides', () => {
      assertConfigError(() => loadConfig({ env: {}, overrides: { registration: {} } }), 'Unknown configuration key "registration"', 'overrides');
    });

    it('reports the value it got', () => {
      assertConfigError(() => loadConfig({ env: { LATCHKEY_LOG_LEVEL: 'loud' } }), 'got "loud"', 'one of fatal, error');
    });
  });

  describe('issuer normalisation (RFC 8414 §2)', () => {
    const normalised: [string, string][] = [
      ['https://as.example.com', 'https://as.example.com'],
      ['https://as.example.com/', 'https://as.example.com'],
      ['https://as.example.com//', 'https://as.example.com'],
      ['https://AS.Example.COM/', 'https://as.example.com'],
      ['HTTPS://as.example.com', 'https://as.example.com'],
      ['https://as.example.com:443/', 'https://as.example.com'],
      ['http://localhost:8080/', 'http://localhost:8080'],
      ['http://localhost:80', 'http://localhost'],
      ['https://as.example.com/tenant-a', 'https://as.example.com/tenant-a'],
      ['https://as.example.com/tenant-a/', 'https://as.example.com/tenant-a'],
      ['https://as.example.com/tenant-a///', 'https://as.example.com/tenant-a'],
      ['https://AS.Example.COM/tenant-a/', 'https://as.example.com/tenant-a'],
      ['HTTPS://as.example.com:443/tenant-a', 'https://as.example.com/tenant-a'],
      ['https://as.example.com:8443/a/b/', 'https://as.example.com:8443/a/b'],
    ];
    for (const [given, issuer] of normalised) {
      it(`normalises ${given} to ${issuer}`, () => {
        assert.equal(loadConfig({ env: {}, overrides: { issuer: given } }).issuer, issuer);
      });
    }

    const refused: [string, string][] = [
      ['a query', 'https://as.example.com/?tenant=a'],
      ['an empty query', 'https://as.example.com/tenant?'],
      ['a fragment', 'https://as.example.com/#x'],
      ['an empty fragment', 'https://as.example.com/tenant#'],
      ['user information', 'https://admin:secret@as.example.com/tenant'],
      ['user information and no path', 'https://admin@as.example.com'],
      ['no scheme', 'as.example.com'],
      ['a relative path', '/tenant'],
      ['an empty string', ''],
    ];
    for (const [what, given] of refused) {
      it(`rejects an issuer with ${what}, naming issuer`, () => {
        assertConfigError(() => loadConfig({ env: {}, overrides: { issuer: given } }), 'issuer (from override)');
      });
    }
  });

  describe('cross-option rules', () => {
    it('rejects an alias equal to the registration path', () => {
      assertConfigError(() => loadConfig({ env: { LATCHKEY_REGISTRATION_ALIASES: '/register' } }), 'registration.aliases');
    });

    it('rejects a repeated alias', () => {
      assertConfigError(() => loadConfig({ env: {}, overrides: { 'registration.aliases': ['/a', '/a'] } }), 'registration.aliases');
    });

    it('accepts aliases that differ from the path and each other', () => {
      const config = loadConfig({ env: {}, overrides: { 'registration.path': '/oauth/register', 'registration.aliases': ['/register', '/v2/register'] } });
      assert.deepEqual(config.registration.aliases, ['/register', '/v2/register']);
    });

    it('copies list overrides instead of keeping the caller\'s array', () => {
      const aliases = ['/a'];
      const config = loadConfig({ env: {}, overrides: { 'registration.aliases': aliases } });
      aliases.push('/b');
      assert.deepEqual(config.registration.aliases, ['/a']);
      assert.equal(Object.isFrozen(aliases), false);
    });
  });
});

describe('trustProxy: false, true, or the trusted proxies', () => {
  const read = (value: unknown, where: 'env' | 'file' | 'flag' = 'env') =>
    where === 'env'
      ? loadConfig({ env: { LATCHKEY_TRUST_PROXY: value as string } }).trustProxy
      : where === 'file'
        ? loadConfig({ env: {}, file: configFile({ trustProxy: value }) }).trustProxy
        : loadConfig({ env: {}, flags: { trustProxy: value } }).trustProxy;

  it('reads a comma-separated list of addresses and CIDR ranges from the environment or a flag', () => {
    assert.deepEqual(read('127.0.0.1, 10.0.0.0/8,2001:db8::/32'), ['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
    assert.deepEqual(read('127.0.0.1,10.0.0.0/8', 'flag'), ['127.0.0.1', '10.0.0.0/8']);
  });

  it('reads a JSON array from the file, and expands loopback, linklocal and uniquelocal', () => {
    assert.deepEqual(read(['loopback', '192.0.2.10'], 'file'), ['127.0.0.0/8', '::1/128', '192.0.2.10']);
    assert.deepEqual(read('uniquelocal'), ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']);
  });

  it('still reads true and false (and an empty list as false)', () => {
    assert.equal(read('true'), true);
    assert.equal(read('0'), false);
    assert.equal(read(true, 'file'), true);
    assert.equal(read([], 'file'), false);
    assert.equal(read(true, 'flag'), true, 'a bare --trust-proxy');
  });

  for (const bad of ['yes', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129', 'proxy.example', '10.0.0.0/-1', '10.0.0.0/08x', 'fe80::1%eth0', '127.0.0.1,,nope']) {
    it(`rejects ${JSON.stringify(bad)}, naming trustProxy and the variable`, () => {
      assertConfigError(() => read(bad), 'trustProxy (from environment variable LATCHKEY_TRUST_PROXY)');
    });
  }

  it('rejects a list with a non-string entry in the file', () => {
    assertConfigError(() => read(['10.0.0.1', 7], 'file'), 'trustProxy');
  });
});
