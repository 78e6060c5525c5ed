import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { JsonRpcResponse, ResponseWatcher } from '../../src/gateway/gateway-request.js';
import { maxWatchedJsonBytes, observeResponses } from '../../src/gateway/response-observer.js';

async function through(contentType: string, watchers: Map<string | number, ResponseWatcher>, chunks: Array<string | Buffer>): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))).pipe(observeResponses(contentType, watchers))) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('utf8');
}

const listed = (id: number, names: string[]) => JSON.stringify({ jsonrpc: '2.0', id, result: { tools: names.map((name) => ({ name })) } });

describe('observeResponses', () => {
  it('rewrites the watched response of an SSE event, keeping its id and event fields, and passes the others byte for byte', async () => {
    const seen: JsonRpcResponse[] = [];
    const watchers = new Map<string | number, ResponseWatcher>([[2, (r) => (seen.push(r), { ...r, result: { tools: [] } })]]);
    const progress = 'event: message\nid: 7\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n';
    const out = await through('text/event-stream', watchers, [progress, `event: message\r\nid: 8\r\ndata: ${listed(2, ['a', 'b'])}`, '\r\n\r\n']);
    assert.equal(seen.length, 1);
    assert.ok(out.startsWith(progress), 'the notification passes unchanged');
    assert.ok(out.endsWith('event: message\nid: 8\ndata: {"jsonrpc":"2.0","id":2,"result":{"tools":[]}}\n\n'), out);
  });

  it('stops reading the stream once every watched response has come', async () => {
    let calls = 0;
    const watchers = new Map<string | number, ResponseWatcher>([[1, () => void (calls += 1)]]);
    const later = `data: ${listed(1, ['again'])}\n\n`;
    const out = await through('text/event-stream', watchers, [`data: ${listed(1, ['x'])}\n\n`, later, later]);
    assert.equal(calls, 1, 'a repeated id is not watched twice');
    assert.ok(out.endsWith(later + later));
  });

  it('rewrites a JSON batch, and passes a JSON answer over the watched size unread', async () => {
    const watchers = new Map<string | number, ResponseWatcher>([[3, (r) => ({ ...r, result: { tools: [] } })]]);
    const batch = `[${listed(3, ['a'])},${listed(4, ['b'])}]`;
    assert.equal(await through('application/json', watchers, [batch]), `[{"jsonrpc":"2.0","id":3,"result":{"tools":[]}},${listed(4, ['b'])}]`);
    let called = false;
    const big = `{"jsonrpc":"2.0","id":3,"result":{"pad":"${'x'.repeat(maxWatchedJsonBytes)}"}}`;
    const out = await through('application/json', new Map([[3, () => void (called = true)]]), [big.slice(0, 1000), big.slice(1000)]);
    assert.equal(out.length, big.length);
    assert.equal(called, false, 'too large to be held, so not watched');
  });
});
