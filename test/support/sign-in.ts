import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { TestBrowser } from './browser.js';

/**
 * A {@link TestBrowser} signed in as `username` through the real sign-in page (`GET` then `POST /signin`),
 * left on the page it returned to (`returnTo`, e.g. `/admin` or `/account`).
 */
export async function signedInBrowser(
  app: FastifyInstance,
  credentials: { username: string; password: string },
  returnTo = '/account',
): Promise<TestBrowser> {
  const browser = new TestBrowser(app);
  const form = await browser.get(`/signin?${new URLSearchParams({ return_to: returnTo })}`);
  assert.equal(form.statusCode, 200, 'the sign-in page is shown');
  const answer = await browser.submit(form, credentials);
  assert.equal(answer.statusCode, 303, `signing in as ${credentials.username} redirects (got ${answer.statusCode})`);
  assert.equal(answer.headers.location, returnTo);
  return browser;
}
