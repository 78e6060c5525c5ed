import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';

/** A person at the upstream provider: `sub` is also what one types in its login form. */
export interface UpstreamAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  groups?: string[];
  [claim: string]: unknown;
}

export interface UpstreamOidcOptions {
  /** Its registered clients (`redirect_uris` as the test needs; PKCE is required of every client). */
  clients: ClientMetadata[];
  accounts: UpstreamAccount[];
  /**
   * Put the scopes' claims (email, profile) in the ID token itself. By default they come from userinfo only, as
   * OpenID Connect Core §5.4 says for the code flow, which is what most providers do.
   */
  claimsInIdToken?: boolean;
}

/** A real OpenID Connect provider (panva's node-oidc-provider) on 127.0.0.1. */
export interface UpstreamOidc {
  /** `http://127.0.0.1:<port>`. */
  issuer: string;
  provider: Provider;
  /**
   * Goes through the provider like a person with a browser: opens `authorizationUrl`, fills the development login
   * form as `login` (an account's `sub`; any password), confirms consent (or cancels, with `decline`), following
   * redirects with a cookie jar, and returns the URL the provider finally redirects to (the client's callback).
   */
  signIn(authorizationUrl: URL, login: string, options?: { decline?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

/**
 * Starts node-oidc-provider on a random port of 127.0.0.1, with its development interactions (a login form that
 * takes any password and a consent page, plain HTML forms that work in a real browser too), signing keys of its
 * own, PKCE required, RFC 9207 `iss` in authorization responses, and `accounts` as its users.
 */
export async function startUpstreamOidc(options: UpstreamOidcOptions): Promise<UpstreamOidc> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'upstream-1', alg: 'RS256', use: 'sig' };
  const configuration: Configuration = {
    clients: options.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: ['upstream-oidc-test-cookie-key'] },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'groups'] },
    conformIdTokenClaims: options.claimsInIdToken !== true,
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, sub) => {
      const account = options.accounts.find((a) => a.sub === sub);
      return account && { accountId: sub, claims: () => ({ ...account }) };
    },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());

  return {
    issuer,
    provider,
    signIn: (authorizationUrl, login, signInOptions = {}) => drive(issuer, authorizationUrl, login, signInOptions.decline === true),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Follows the provider's redirects and submits its login and consent forms until it redirects elsewhere. */
async function drive(issuer: string, start: URL, login: string, decline: boolean): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = start;
  let init: RequestInit = { method: 'GET' };
  for (let hop = 0; hop < 20; hop++) {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const equals = pair.indexOf('=');
      if (equals > 0) cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      if (url.origin !== new URL(issuer).origin) return url;
      init = { method: 'GET' };
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`the provider answered ${response.status}: ${page.slice(0, 500)}`);
    const action = /<form[^>]* action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(page)?.[1];
    if (!action || !prompt) throw new Error(`no interaction form on the provider's page: ${page.slice(0, 500)}`);
    if (decline) {
      const abort = /href="([^"]*\/abort)"/.exec(page)?.[1];
      if (!abort) throw new Error('no cancel link on the provider page');
      url = new URL(abort, url);
      init = { method: 'GET' };
      continue;
    }
    const form = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
    url = new URL(action.replaceAll('&amp;', '&'), url);
    init = { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many redirects at the provider');
}
