import assert from 'node:assert/strict';

/** A page as the browser got it. */
export interface Page {
  status: number;
  location: string | null;
  body: string;
}

/**
 * A minimal browser over real HTTP (`fetch`): keeps cookies, submits the forms of Latchkey's pages, and follows
 * redirects that stay on the server. Like `TestBrowser`, but for server processes; the address it talks to can
 * change between requests, so that a sign-in begun at one instance continues at another.
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  constructor(public address: string) {}

  async get(path: string): Promise<Page> {
    return this.request(path, { method: 'GET' });
  }

  async post(path: string, form: Record<string, string>): Promise<Page> {
    return this.request(path, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /** Submits the page's form with its hidden fields plus `fields`, to the form's action. */
  async submit(page: Page, fields: Record<string, string>): Promise<Page> {
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    assert.ok(action, `the page has a form: ${page.body.slice(0, 300)}`);
    const hidden: Record<string, string> = {};
    for (const match of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      hidden[match[1]!] = decodeEntities(match[2]!);
    }
    return this.post(decodeEntities(action), { ...hidden, ...fields });
  }

  /** Follows redirects while they point at the server itself (a path). */
  async follow(page: Page): Promise<Page> {
    let current = page;
    while ([302, 303].includes(current.status) && current.location?.startsWith('/')) current = await this.get(current.location);
    return current;
  }

  private async request(path: string, init: RequestInit): Promise<Page> {
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
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}
