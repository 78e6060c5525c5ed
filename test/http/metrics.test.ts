import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMetrics } from '../../src/observability/metrics.js';
import type { AuditEntry } from '../../src/ports/audit-trail.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** The value of one sample of the Prometheus text, e.g. `latchkey_registrations_total{source="dynamic"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics (Prometheus)', () => {
  // Below an issuer path, so that the route labels and the limiter of each route are checked with the prefix.
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      overrides: {
        issuer: 'https://as.example.com/auth',
        'registration.rateLimit.enabled': true,
        'registration.rateLimit.points': 2,
        'token.rateLimit.enabled': true,
        'token.rateLimit.points': 2,
        'login.maxFailures': 1,
        resources: [{ uri: 'https://mcp.example.com/mcp', name: 'MCP', scopes: ['mcp', 'mcp:tools'], machineClients: true }],
      },
    });
    await createUser(server.storage.users, { username: 'alice', password: 'correct horse battery' }, { now: Date.now(), newId: () => 'user-alice' });
  });
  after(() => server.close());

  const metrics = async () => {
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200, response.body);
    return response;
  };

  it('counts requests by route pattern, method and status, and registrations, tokens and rate-limit rejections', async () => {
    const register = () =>
      server.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { client_name: 'Metered', redirect_uris: ['https://c.example/cb'], token_endpoint_auth_method: 'client_secret_basic' },
      });
    const registered = await register();
    assert.equal(registered.statusCode, 201, registered.body);
    const own = registered.json() as { client_id: string; registration_access_token: string };
    // Tokens without a user are for clients an operator created.
    const client = await createOperatorClient(server, { scope: 'mcp' });
    assert.equal((await register()).statusCode, 201);
    assert.equal((await register()).statusCode, 429, 'the third registration is over the limit of 2');

    const token = () =>
      server.app.inject({ method: 'POST', url: '/auth/token', payload: 'grant_type=client_credentials', headers: { ...form, authorization: basic(client.client_id, client.client_secret) } });
    assert.equal((await token()).statusCode, 200);
    assert.equal((await token()).statusCode, 200);
    assert.equal((await token()).statusCode, 429, 'the third token request is over the limit of 2');

    const configuration = await server.app.inject({
      method: 'GET',
      url: `/auth/register/${own.client_id}`,
      headers: { authorization: `Bearer ${own.registration_access_token}` },
    });
    assert.equal(configuration.statusCode, 200, configuration.body);
    assert.equal((await server.app.inject({ method: 'GET', url: '/no/such/page?x=1' })).statusCode, 404);
    assert.equal((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);

    // Two failed sign-ins: the first is checked (401), the second is throttled (a 429 page).
    const browser = new TestBrowser(server.app);
    const page = await browser.get('/auth/signin');
    assert.equal((await browser.submit(page, { username: 'alice', password: 'wrong' })).statusCode, 401);
    assert.equal((await browser.submit(page, { username: 'alice', password: 'wrong again' })).statusCode, 429);

    const response = await metrics();
    assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
    const text = response.body;
    const expected: [string, number][] = [
      ['latchkey_http_requests_total{route="/auth/register",method="POST",status="201"}', 2],
      ['latchkey_http_requests_total{route="/auth/register",method="POST",status="429"}', 1],
      ['latchkey_http_requests_total{route="/auth/token",method="POST",status="200"}', 2],
      ['latchkey_http_requests_total{route="/auth/token",method="POST",status="429"}', 1],
      ['latchkey_http_requests_total{route="/auth/register/*",method="GET",status="200"}', 1],
      ['latchkey_http_requests_total{route="unmatched",method="GET",status="404"}', 1],
      ['latchkey_http_requests_total{route="/healthz",method="GET",status="200"}', 1],
      ['latchkey_http_requests_total{route="/auth/signin",method="POST",status="401"}', 1],
      ['latchkey_http_requests_total{route="/auth/signin",method="POST",status="429"}', 1],
      ['latchkey_http_request_duration_seconds_count{route="/auth/register",method="POST",status="201"}', 2],
      ['latchkey_http_request_duration_seconds_bucket{le="+Inf",route="/auth/token",method="POST",status="200"}', 2],
      ['latchkey_registrations_total{source="dynamic"}', 2],
      ['latchkey_registrations_total{source="iat"}', 0],
      ['latchkey_tokens_issued_total{grant_type="client_credentials"}', 2],
      ['latchkey_tokens_issued_total{grant_type="authorization_code"}', 0],
      ['latchkey_rate_limit_rejections_total{limiter="registration"}', 1],
      ['latchkey_rate_limit_rejections_total{limiter="token"}', 1],
      ['latchkey_rate_limit_rejections_total{limiter="sign-in"}', 1],
      ['latchkey_gc_deleted_clients_total{reason="unused"}', 0],
    ];
    for (const [series, value] of expected) assert.equal(sample(text, series), value, series);
    assert.doesNotMatch(text, /route="\/no\/such\/page/, 'unmatched URLs are not labels');
    assert.doesNotMatch(text, new RegExp(client.client_id), 'client ids are not labels');
  });

  it('has latency buckets, the process metrics, and HELP and TYPE lines', async () => {
    const text = (await metrics()).body;
    for (const le of ['0.005', '0.1', '1', '10', '+Inf']) {
      assert.match(text, new RegExp(`^latchkey_http_request_duration_seconds_bucket\\{le="${le.replace('+', '\\+')}",route="/healthz",method="GET",status="200"\\} \\d+$`, 'm'), `bucket ${le}`);
    }
    assert.match(text, /^# TYPE latchkey_http_request_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE latchkey_registrations_total counter$/m);
    assert.match(text, /^# HELP latchkey_tokens_issued_total /m);
    assert.match(text, /^process_cpu_user_seconds_total \d/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
  });

  it('counts the scrapes themselves under the metrics path', async () => {
    const before = sample((await metrics()).body, 'latchkey_http_requests_total{route="/metrics",method="GET",status="200"}') ?? 0;
    const after = sample((await metrics()).body, 'latchkey_http_requests_total{route="/metrics",method="GET",status="200"}');
    assert.equal(after, before + 1);
  });
});

describe('metrics options', () => {
  it('answers 404 at /metrics and counts nothing when metrics.enabled is false', async () => {
    const server = await startTestServer({ overrides: { 'metrics.enabled': false } });
    after(() => server.close());
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error, 'not_found');
    assert.ok(response.headers['x-request-id'], 'request ids do not depend on metrics');
    assert.equal(server.app.hasRoute({ method: 'GET', url: '/metrics' }), false);
  });

  it('serves the metrics at metrics.path', async () => {
    const server = await startTestServer({ overrides: { 'metrics.path': '/internal/prometheus' } });
    after(() => server.close());
    assert.equal((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
    const response = await server.app.inject({ method: 'GET', url: '/internal/prometheus' });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /latchkey_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
  });

  it('requires metrics.bearerToken when it is set (401 with a Bearer challenge otherwise)', async () => {
    const secret = 'metrics-scrape-token-0123456789';
    const server = await startTestServer({ overrides: { 'metrics.bearerToken': secret } });
    after(() => server.close());
    const scrape = (authorization?: string) =>
      server.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    const missing = await scrape();
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    const wrong = await scrape('Bearer not-the-token');
    assert.equal(wrong.statusCode, 401);
    assert.match(String(wrong.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    assert.doesNotMatch(wrong.body, /latchkey_/);
    const right = await scrape(`Bearer ${secret}`);
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /latchkey_http_requests_total\{route="\/metrics",method="GET",status="401"\} 2/);
  });
});

describe('createMetrics().countingAuditTrail', () => {
  it('counts registrations, token issues, cleanup deletions, sign-ins and their failures, and created users, and forwards every entry unchanged', async () => {
    const metrics = createMetrics();
    const forwarded: AuditEntry[] = [];
    const trail = metrics.countingAuditTrail({ record: (entry) => forwarded.push(entry) });
    const entries: AuditEntry[] = [
      { type: 'client.registered', clientId: 'a', data: { source: 'iat' } },
      { type: 'client.gc_deleted', clientId: 'b', actor: 'gc', data: { reason: 'idle' } },
      { type: 'client.gc_deleted', clientId: 'c', actor: 'gc', data: { reason: 'idle' } },
      { type: 'token.issued', clientId: 'a', data: { grant_type: 'refresh_token' } },
      { type: 'user.signed_in', userId: 'u' },
      { type: 'user.signed_in', userId: 'v', data: { provider: 'google' } },
      { type: 'user.sign_in_failed', data: { provider: 'google', reason: 'not_allowed' } },
      { type: 'user.sign_in_failed', data: { username: 'bob' } },
      { type: 'user.created', userId: 'v', data: { provider: 'google' } },
    ];
    for (const entry of entries) trail.record(entry);
    assert.deepEqual(forwarded, entries);
    const text = await metrics.render();
    assert.equal(sample(text, 'latchkey_registrations_total{source="iat"}'), 1);
    assert.equal(sample(text, 'latchkey_gc_deleted_clients_total{reason="idle"}'), 2);
    assert.equal(sample(text, 'latchkey_gc_deleted_clients_total{reason="unused"}'), 0);
    assert.equal(sample(text, 'latchkey_tokens_issued_total{grant_type="refresh_token"}'), 1);
    // Sign-ins by provider: a password sign-in (written without one) counts as `local`.
    assert.equal(sample(text, 'latchkey_sign_ins_total{provider="local"}'), 1);
    assert.equal(sample(text, 'latchkey_sign_ins_total{provider="google"}'), 1);
    assert.equal(sample(text, 'latchkey_sign_in_failures_total{provider="google",reason="not_allowed"}'), 1);
    assert.equal(sample(text, 'latchkey_sign_in_failures_total{provider="local",reason="bad_credentials"}'), 1);
    assert.equal(sample(text, 'latchkey_users_created_total{provider="google"}'), 1);
  });

  it('keeps the counts of each metrics set apart (one registry per app)', async () => {
    const one = createMetrics();
    const two = createMetrics();
    one.countingAuditTrail({ record: () => {} }).record({ type: 'client.registered', data: { source: 'dynamic' } });
    assert.equal(sample(await one.render(), 'latchkey_registrations_total{source="dynamic"}'), 1);
    assert.equal(sample(await two.render(), 'latchkey_registrations_total{source="dynamic"}'), 0);
  });
});
