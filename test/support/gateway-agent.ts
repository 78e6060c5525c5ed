import assert from 'node:assert/strict';
import type { OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Page } from 'playwright-core';
import { AgentProvider, type UserAgent } from './mcp-agent.js';
import type { CallbackServer } from './real-port.js';

/**
 * A user in headless Chromium on Latchkey's pages: signs in when the sign-in page comes (a page whose session
 * cookie is still valid goes straight to consent), records the scopes the consent page lists as new in
 * `consents`, allows, and returns the redirect back to the agent's callback.
 */
export function chromiumUser(
  page: Page,
  callback: CallbackServer,
  credentials: { username: string; password: string },
  consents: string[][],
): UserAgent {
  return async (authorizationUrl) => {
    await page.goto(authorizationUrl.href);
    const signIn = page.getByRole('button', { name: 'Sign in' });
    const allow = page.getByRole('button', { name: 'Allow' });
    await signIn.or(allow).first().waitFor();
    if (await signIn.isVisible()) {
      await page.getByLabel('Username').fill(credentials.username);
      await page.getByLabel('Password').fill(credentials.password);
      await Promise.all([page.waitForLoadState('load'), signIn.click()]);
    }
    await allow.waitFor();
    consents.push(await page.locator('[data-testid="new-scopes"] [data-scope]').evaluateAll((items) => items.map((item) => item.getAttribute('data-scope') ?? '')));
    const received = callback.next();
    await allow.click();
    const query = await received;
    const back = new URL(callback.redirectUri);
    for (const [name, value] of query) back.searchParams.set(name, value);
    return back;
  };
}

/**
 * An {@link AgentProvider} whose transport `fetch` records each request (`METHOD path status`) and which steps up
 * as MCP intends (SEP-835): after a `403 insufficient_scope`, it shows the SDK its tokens without the refresh token
 * until new ones are saved. The SDK (1.32) otherwise answers the challenge with a refresh, which cannot widen the
 * grant (RFC 6749 §6), retries with the same scope, and gives up ("Server returned 403 after trying upscoping")
 * without ever sending the user to consent to the scope the challenge named.
 */
export class GatewayAgent extends AgentProvider {
  /** Every request the SDK made through {@link fetch}, as `METHOD path status`. */
  readonly requests: string[] = [];
  private steppingUp = false;

  readonly fetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    this.requests.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname} ${response.status}`);
    if (response.status === 403 && /error="insufficient_scope"/.test(response.headers.get('www-authenticate') ?? '')) this.steppingUp = true;
    return response;
  };

  override tokens(): OAuthTokens | undefined {
    const tokens = super.tokens();
    if (!this.steppingUp || tokens === undefined) return tokens;
    const { refresh_token: _hidden, ...rest } = tokens;
    return rest;
  }

  override saveTokens(tokens: OAuthTokens): void {
    this.steppingUp = false;
    super.saveTokens(tokens);
  }
}

/** The claims of a JWT access token, read without verifying (the gateway verifies it). */
export function accessTokenClaims(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  assert.ok(payload, 'a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
