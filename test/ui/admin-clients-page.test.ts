import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientListPage } from '../../src/ui/admin-pages-clients.js';

/** The clients page as it renders a search answered from a bounded walk (see `ClientPage.searched`). */
describe('clients page: a search answered from a bounded walk', () => {
  const render = (over: Partial<Parameters<typeof clientListPage>[0]>) =>
    clientListPage({
      nonce: 'n',
      frame: { base: '', csrf: 'c', username: 'admin' },
      form: { q: '"', source: '', flagged: false, usage: '' },
      clients: [],
      total: { count: 0, more: false },
      next: null,
      paged: false,
      ...over,
    });

  it('says "at least" for a partial count, and that the page searched only so many clients, with a link further', () => {
    const body = render({ total: { count: 3, more: false, partial: true }, searched: 20_000, next: 'cursor' });
    assert.match(body, /data-testid="client-count">At least 3 clients match</);
    assert.match(body, /data-testid="partial-search">[^<]*among the next 20,000 clients only/);
    assert.match(body, /No clients match these filters among the clients searched so far\./);
    assert.match(body, /data-testid="next-page" href="\/admin\/clients\?q=%22&#38;after=cursor"/);
  });

  it('says neither for a whole answer', () => {
    const body = render({ total: { count: 1, more: false } });
    assert.match(body, /data-testid="client-count">1 client matches</);
    assert.doesNotMatch(body, /partial-search|At least/);
  });
});
