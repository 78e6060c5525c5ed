import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One of the person's addresses, as `GET /user/emails` lists it. */
export interface GitHubStandInEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  visibility: 'public' | 'private' | null;
}

/** The person who "signs in" at the stand-in. */
export interface GitHubStandInUser {
  id: number;
  login: string;
  name: string | null;
  emails: GitHubStandInEmail[];
}

export interface GitHubStandInOptions {
  clientId: string;
  clientSecret: string;
  user: GitHubStandInUser;
}

/** A request the stand-in received, for tests that check what the client sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface GitHubStandIn {
  /** `http://127.0.0.1:<port>`: configure it as the `github` preset's `baseUrl`; the API is then at `/api/v3`, as on GitHub Enterprise Server. */
  baseUrl: string;
  /** Who signs in next (tests change it between round trips). */
  user: GitHubStandInUser;
  /** Set: the authorize page redirects back with this `error` (as when the person clicks "Cancel"). */
  denyWith: string | null;
  requests: RecordedRequest[];
  /** Opens the authorize URL as a person who approves; returns the redirect to the client's callback. */
  authorize(url: URL): Promise<URL>;
  close(): Promise<void>;
}

const docs = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';

/**
 * A local stand-in for GitHub's OAuth web flow and the two REST endpoints Latchkey reads: GitHub itself cannot be
 * reached from test machines (no network, and no test account to sign in with). It follows GitHub's documented
 * behaviour and response shapes: the authorize endpoint redirects back with `code` and `state` (or `error`,
 * `error_description`, `error_uri`); the token endpoint checks the client, the redirect URI and PKCE, answers
 * errors with HTTP 200 and `{"error": …}`, and answers form-encoded unless asked for JSON; `/user` and
 * `/user/emails` want a bearer token and answer 401 `{"message": "Bad credentials"}` without one.
 *
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * @see https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 * @see https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 */
export async function startGitHubStandIn(options: GitHubStandInOptions): Promise<GitHubStandIn> {
  const codes = new Map<string, { redirectUri: string; challenge: string | null; user: GitHubStandInUser }>();
  const tokens = new Map<string, GitHubStandInUser>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', standIn.baseUrl);
      standIn.requests.push({ method: request.method ?? 'GET', path: url.pathname, headers: request.headers, body });
      route(request, url, body, response);
    });
  });

  function route(request: IncomingMessage, url: URL, body: string, response: ServerResponse): void {
    if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') return authorizePage(url, response);
    if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') return accessToken(request, body, response);
    if (request.method === 'GET' && (url.pathname === '/api/v3/user' || url.pathname === '/api/v3/user/emails')) {
      const token = /^(?:Bearer|token) (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const user = token === undefined ? undefined : tokens.get(token);
      if (!user) return json(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return json(response, 200, url.pathname.endsWith('/emails') ? user.emails : userObject(user));
    }
    json(response, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  function authorizePage(url: URL, response: ServerResponse): void {
    const redirectUri = url.searchParams.get('redirect_uri');
    if (url.searchParams.get('client_id') !== options.clientId || !redirectUri) return void response.writeHead(404).end('Not Found');
    const back = new URL(redirectUri);
    const state = url.searchParams.get('state');
    if (standIn.denyWith !== null) {
      back.searchParams.set('error', standIn.denyWith);
      back.searchParams.set('error_description', 'The user has denied your application access.');
      back.searchParams.set('error_uri', 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied');
    } else {
      const code = randomBytes(10).toString('hex');
      const method = url.searchParams.get('code_challenge_method');
      if (url.searchParams.has('code_challenge') && method !== 'S256') return void response.writeHead(400).end('code_challenge_method must be S256');
      codes.set(code, { redirectUri, challenge: url.searchParams.get('code_challenge'), user: standIn.user });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    response.writeHead(302, { location: back.href }).end();
  }

  function accessToken(request: IncomingMessage, body: string, response: ServerResponse): void {
    const form = (request.headers['content-type'] ?? '').includes('json') ? new URLSearchParams(JSON.parse(body) as Record<string, string>) : new URLSearchParams(body);
    const wantsJson = (request.headers.accept ?? '').includes('application/json');
    const answer = (values: Record<string, string>): void => {
      if (wantsJson) return json(response, 200, values);
      response.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }).end(new URLSearchParams(values).toString());
    };
    const fail = (error: string, description: string): void => answer({ error, error_description: description, error_uri: `${docs}#${error.replaceAll('_', '-')}` });
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret) {
      return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
    }
    const grant = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    if (!grant) return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    if (form.has('redirect_uri') && form.get('redirect_uri') !== grant.redirectUri) {
      return fail('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
    }
    const verifier = form.get('code_verifier');
    if (grant.challenge !== null && (verifier === null || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)) {
      return fail('bad_verification_code', 'The code passed is incorrect or expired.');
    }
    const token = `gho_${randomBytes(18).toString('hex')}`;
    tokens.set(token, grant.user);
    answer({ access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standIn: GitHubStandIn = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    user: options.user,
    denyWith: null,
    requests: [],
    async authorize(url) {
      const response = await fetch(url, { redirect: 'manual' });
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) throw new Error(`the stand-in's authorize page answered ${response.status}`);
      return new URL(location);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return standIn;
}

/** `GET /user` for an OAuth token with `read:user`: the shape GitHub documents (the fields Latchkey might read, and a few more). */
function userObject(user: GitHubStandInUser): Record<string, unknown> {
  const publicEmail = user.emails.find((e) => e.visibility === 'public')?.email ?? null;
  return {
    login: user.login,
    id: user.id,
    node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    html_url: `https://github.com/${user.login}`,
    type: 'User',
    site_admin: false,
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: publicEmail,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 2,
    public_gists: 0,
    followers: 1,
    following: 0,
    created_at: '2011-01-25T18:44:36Z',
    updated_at: '2024-06-01T12:00:00Z',
  };
}

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}
