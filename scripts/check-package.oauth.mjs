// The part of `npm run check:package` (scripts/check-package.mjs) that talks to the installed server as a client
// and a person would: registration (RFC 7591), the authorization code flow with PKCE (sign-in and consent pages
// driven by their forms, with the cookie), the code exchange and a refresh (RFC 6749 §4.1, §6), nothing but fetch.
import { createHash, randomBytes } from 'node:crypto';

/** Never listened on: the redirect is read from the `Location` header, not followed. */
const redirectUri = 'http://127.0.0.1:1/callback';
export const resource = 'https://mcp.example.com/mcp';

function fail(message) {
  throw new Error(message);
}

/** A cookie jar and form submitter over fetch, for Latchkey's server-rendered pages. */
class Browser {
  cookies = new Map();
  constructor(address) {
    this.address = address;
  }

  async request(path, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(new URL(path, this.address), { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const equals = pair.indexOf('=');
      if (equals > 0) this.cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }

  /** Follows redirects that stay on the server. */
  async follow(page) {
    while ([302, 303].includes(page.status) && page.location?.startsWith('/')) page = await this.request(page.location);
    return page;
  }

  /** Posts the page's form: its hidden fields (csrf, pending request) plus `fields`, to its action. */
  async submit(page, fields) {
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1] ?? fail(`no form on the page (status ${page.status}): ${page.body.slice(0, 300)}`);
    const form = {};
    for (const match of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form[match[1]] = decode(match[2]);
    return this.request(decode(action), {
      method: 'POST',
      body: new URLSearchParams({ ...form, ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

function decode(text) {
  return text.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

async function postJson(address, path, body) {
  const response = await fetch(new URL(path, address), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function postToken(address, form) {
  const response = await fetch(new URL('/token', address), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = await response.json();
  if (response.status !== 200) fail(`POST /token (${form.grant_type}) answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * Registers a public client, signs in as `user` and allows it, exchanges the code (PKCE S256) and refreshes once,
 * for `options.resource` (by default an MCP server's) with `options.scope`.
 * Returns the tokens of both steps; throws, saying which step failed, otherwise.
 */
export async function runOAuthFlow(address, issuer, user, { resource: audience = resource, scope = 'openid mcp:tools offline_access' } = {}) {
  const registered = await postJson(address, '/register', {
    client_name: 'package check',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  });
  if (registered.status !== 201) fail(`POST /register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const clientId = registered.body.client_id;

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource: audience,
  });
  const browser = new Browser(address);
  const signIn = await browser.follow(await browser.request(`/authorize?${query}`));
  if (signIn.status !== 200) fail(`GET /authorize did not show the sign-in page (${signIn.status}): ${signIn.body.slice(0, 300)}`);
  const consent = await browser.follow(await browser.submit(signIn, user));
  if (consent.status !== 200 || !consent.body.includes('name="decision"')) fail(`signing in did not lead to the consent page (${consent.status}): ${consent.body.slice(0, 300)}`);
  const allowed = await browser.submit(consent, { decision: 'allow' });
  if (allowed.status !== 303 || !allowed.location?.startsWith(redirectUri)) fail(`allowing did not redirect to the client (${allowed.status} ${allowed.location})`);
  const callback = new URL(allowed.location);
  if (callback.searchParams.get('state') !== state) fail('the redirect does not carry the state');
  if (callback.searchParams.get('iss') !== issuer) fail(`the redirect's iss is ${callback.searchParams.get('iss')}, not ${issuer} (RFC 9207)`);
  const code = callback.searchParams.get('code') ?? fail('the redirect carries no code');

  const tokens = await postToken(address, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, resource: audience });
  if (!tokens.access_token || !tokens.refresh_token) fail(`the code exchange gave no access or refresh token: ${Object.keys(tokens)}`);
  const refreshed = await postToken(address, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId, resource: audience });
  if (!refreshed.access_token || !refreshed.refresh_token || refreshed.refresh_token === tokens.refresh_token) fail('the refresh did not rotate the refresh token');
  return { clientId, tokens, refreshed };
}
