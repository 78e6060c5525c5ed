import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseIdentityProviders } from '../../src/config/identity.js';
import { createUpstreamClients } from '../../src/identity/create-upstream-clients.js';
import { UpstreamSignInError, type UpstreamClient, type UpstreamFailureReason } from '../../src/identity/upstream-client.js';
import { startGitHubStandIn, type GitHubStandIn, type GitHubStandInUser } from '../support/github-stand-in.js';

const redirectUri = 'http://127.0.0.1:1/signin/callback/github';
const octocat: GitHubStandInUser = {
  id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  emails: [
    { email: 'octocat@users.noreply.github.com', primary: false, verified: true, visibility: null },
    { email: 'octocat@github.com', primary: true, verified: true, visibility: 'public' },
    { email: 'old@example.com', primary: false, verified: false, visibility: null },
  ],
};

let github: GitHubStandIn;
before(async () => {
  github = await startGitHubStandIn({ clientId: 'Iv1.latchkey', clientSecret: 'gh-secret', user: octocat });
});
after(() => github.close());
beforeEach(() => {
  github.user = octocat;
  github.denyWith = null;
  github.requests.length = 0;
});

function client(entry: Record<string, unknown> = {}): UpstreamClient {
  const [provider] = parseIdentityProviders([{ preset: 'github', baseUrl: github.baseUrl, clientId: 'Iv1.latchkey', clientSecret: 'gh-secret', ...entry }]);
  return createUpstreamClients([provider!]).get('github')!;
}

async function fails(run: Promise<unknown>, reason: UpstreamFailureReason, message?: RegExp): Promise<UpstreamSignInError> {
  const error = await run.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UpstreamSignInError, `expected an UpstreamSignInError, got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

describe('GitHub client against the GitHub stand-in', () => {
  it('signs in: state and PKCE S256 at authorize; the numeric id as subject, the verified primary email', async () => {
    const upstream = client();
    const { url, roundTrip } = await upstream.begin(redirectUri);
    assert.equal(url.origin + url.pathname, `${github.baseUrl}/login/oauth/authorize`);
    assert.equal(url.searchParams.get('state'), roundTrip.state);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('scope'), 'read:user user:email');
    assert.equal(roundTrip.nonce, null);

    const profile = await upstream.complete(await github.authorize(url), redirectUri, roundTrip);
    assert.deepEqual({ ...profile, claims: undefined }, {
      provider: 'github',
      subject: '583231',
      email: 'octocat@github.com',
      emailVerified: true,
      name: 'The Octocat',
      username: 'octocat',
      groups: [],
      claims: undefined,
    });
    assert.equal(profile.claims['login'], 'octocat');

    const token = github.requests.find((r) => r.path === '/login/oauth/access_token')!;
    assert.equal(token.headers.accept, 'application/json');
    const accessToken = JSON.stringify(profile);
    for (const path of ['/api/v3/user', '/api/v3/user/emails']) {
      const request = github.requests.find((r) => r.path === path)!;
      assert.match(request.headers.authorization ?? '', /^Bearer gho_/);
      assert.equal(request.headers.accept, 'application/vnd.github+json');
      assert.equal(request.headers['x-github-api-version'], '2022-11-28');
      assert.ok(!accessToken.includes(request.headers.authorization!.slice(7)), 'the access token is not in the profile');
    }
  });

  it('gives no email when the primary address is not verified, even if another one is', async () => {
    github.user = {
      ...octocat,
      emails: [
        { email: 'octocat@github.com', primary: true, verified: false, visibility: 'public' },
        { email: 'octocat@users.noreply.github.com', primary: false, verified: true, visibility: null },
      ],
    };
    const upstream = client();
    const { url, roundTrip } = await upstream.begin(redirectUri);
    const profile = await upstream.complete(await github.authorize(url), redirectUri, roundTrip);
    assert.equal(profile.subject, '583231');
    assert.equal(profile.email, null);
    assert.equal(profile.emailVerified, false);
  });

  it('reports a token endpoint error (HTTP 200 with {"error"}) as token_exchange_failed, its code as text', async () => {
    const upstream = client();
    const { url, roundTrip } = await upstream.begin(redirectUri);
    const callback = await github.authorize(url);
    // A wrong PKCE verifier: GitHub refuses the code.
    await fails(upstream.complete(callback, redirectUri, { ...roundTrip, codeVerifier: 'x'.repeat(43) }), 'token_exchange_failed', /bad_verification_code: The code passed is incorrect or expired/);
    // The code was spent by that attempt, as at GitHub.
    await fails(upstream.complete(callback, redirectUri, roundTrip), 'token_exchange_failed', /bad_verification_code/);
  });

  it('reports a wrong client secret as token_exchange_failed, without the secret', async () => {
    const upstream = client({ clientSecret: 'not-the-secret' });
    const { url, roundTrip } = await upstream.begin(redirectUri);
    const error = await fails(upstream.complete(await github.authorize(url), redirectUri, roundTrip), 'token_exchange_failed', /incorrect_client_credentials/);
    assert.ok(!error.message.includes('not-the-secret'));
  });

  it('refuses a callback for another round trip (state_mismatch), and reports a refusal as access_denied', async () => {
    const upstream = client();
    const first = await upstream.begin(redirectUri);
    const second = await upstream.begin(redirectUri);
    await fails(upstream.complete(await github.authorize(first.url), redirectUri, second.roundTrip), 'state_mismatch');
    github.denyWith = 'access_denied';
    await fails(upstream.complete(await github.authorize(second.url), redirectUri, second.roundTrip), 'access_denied', /The user has denied your application access/);
  });
});
