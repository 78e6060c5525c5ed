import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/**
 * Walks the user through Latchkey's login and consent pages for `authorizationUrl` (with a real or an
 * `inject()` browser) and returns the URL the authorization server redirected back to.
 */
export type UserAgent = (authorizationUrl: URL) => Promise<URL>;

/**
 * What an MCP agent keeps for one MCP server, as the MCP TypeScript SDK's `OAuthClientProvider`: its
 * registration, its tokens and the PKCE verifier. Its "browser" is a {@link UserAgent}; with `interactive`
 * off, no user is there to sign in.
 */
export class AgentProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  code: string | undefined;
  redirects = 0;
  interactive = true;
  private verifier = '';
  private expectedState = '';

  constructor(
    private readonly options: {
      /** The `client_name` it registers with. */
      clientName: string;
      /** Its one redirect URI. */
      redirectUrl: string;
      userAgent: UserAgent;
    },
  ) {}

  get redirectUrl() {
    return this.options.redirectUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return (this.expectedState = randomBytes(16).toString('base64url'));
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.client = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
  }
  async redirectToAuthorization(authorizationUrl: URL) {
    this.redirects += 1;
    if (!this.interactive) return;
    const back = await this.options.userAgent(authorizationUrl);
    assert.equal(`${back.origin}${back.pathname}`, this.redirectUrl);
    assert.equal(back.searchParams.get('state'), this.expectedState);
    this.code = back.searchParams.get('code') ?? assert.fail(`no code in ${back.href}`);
  }
}

/**
 * An MCP agent's first contact with a protected MCP server, as the SDK does it: the server answers 401, the SDK
 * discovers the authorization server (RFC 9728, RFC 8414), registers (RFC 7591), sends the user through
 * {@link AgentProvider}'s user agent, exchanges the code, and connects again with the token.
 */
export async function authorizeAgent(provider: AgentProvider, mcpUrl: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  await assert.rejects(new Client({ name: 'latchkey-e2e', version: '1.0.0' }).connect(transport), UnauthorizedError);
  assert.ok(provider.code, 'the login and consent pages redirected back with a code');
  await transport.finishAuth(provider.code);
  assert.ok(provider.saved?.refresh_token, 'the agent holds a refresh token');
  const client = new Client({ name: 'latchkey-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return client;
}

/** Calls examples/mcp-server's `whoami` tool: whom the access token speaks for. */
export async function whoami(client: Client): Promise<{ sub: string; client_id: string; scope: string }> {
  const result = await client.callTool({ name: 'whoami' });
  const [content] = result.content as { type: string; text: string }[];
  return JSON.parse(content!.text) as { sub: string; client_id: string; scope: string };
}

/**
 * The agent's own token refresh (RFC 6749 §6) as a public client, by `fetch`; on success the rotated tokens
 * are saved. Resolves with the status and the JSON body either way.
 */
export async function refreshAgent(issuer: string, provider: AgentProvider): Promise<{ status: number; body: Record<string, unknown> }> {
  const refreshToken = provider.saved?.refresh_token ?? assert.fail('the agent has no refresh token');
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: provider.client?.client_id ?? '' }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status === 200) provider.saveTokens(body as unknown as OAuthTokens);
  return { status: response.status, body };
}
