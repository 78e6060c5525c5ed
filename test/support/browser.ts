import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A minimal browser over `inject()`: keeps cookies, submits the forms of Latchkey's pages, and follows
 * redirects that stay on the server. Enough to walk login and consent without a real browser.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly app: FastifyInstance) {}

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.store(await this.app.inject({ method: 'GET', url, headers: this.cookieHeader() }));
  }

  async post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.store(
      await this.app.inject({
        method: 'POST',
        url,
        payload: new URLSearchParams(form).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader() },
      }),
    );
  }

  /** Submits the page's form with its hidden fields plus `fields`, to the form's action. */
  async submit(page: LightMyRequestResponse, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(action, 'the page has a form');
    const hidden: Record<string, string> = {};
    for (const match of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      hidden[match[1]!] = decodeEntities(match[2]!);
    }
    return this.post(decodeEntities(action), { ...hidden, ...fields });
  }

  /** Follows redirects while they point at the server itself (relative or same path prefix). */
  async follow(response: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    let current = response;
    while ([302, 303].includes(current.statusCode) && String(current.headers.location).startsWith('/')) {
      current = await this.get(String(current.headers.location));
    }
    return current;
  }

  private store(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies) this.cookies.set(cookie.name, cookie.value);
    return response;
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}
