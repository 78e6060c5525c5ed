// Hostile review of response-observer.ts: these assert the behaviour the gateway promises, and fail at e7405d4.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { observeResponses } from '../../src/gateway/response-observer.js';

async function run(chunks: Buffer[], watchers = new Map([[99, () => undefined]])): Promise<{ out: Buffer; ms: number }> {
  const observer = observeResponses('text/event-stream', watchers);
  const parts: Buffer[] = [];
  observer.on('data', (chunk: Buffer) => parts.push(Buffer.from(chunk)));
  const started = performance.now();
  for (const chunk of chunks) observer.write(chunk);
  observer.end();
  await new Promise((resolve) => observer.on('end', resolve));
  return { out: Buffer.concat(parts), ms: performance.now() - started };
}

describe('review: the SSE observer', () => {
  it('passes an event byte for byte when a multi-byte character straddles two chunks', async () => {
    const event = Buffer.from('data: {"jsonrpc":"2.0","id":1,"result":{"text":"café ✓"}}\n\n');
    const cut = event.indexOf(Buffer.from('é')) + 1; // inside the two bytes of "é"
    const { out } = await run([event.subarray(0, cut), event.subarray(cut)]);
    assert.equal(out.toString('utf8'), event.toString('utf8'));
  });

  it('scans a large single event in time linear in its size', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const small = await run([Buffer.from('data: "'), ...Array.from({ length: 64 }, () => chunk), Buffer.from('"\n\n')]);
    const large = await run([Buffer.from('data: "'), ...Array.from({ length: 512 }, () => chunk), Buffer.from('"\n\n')]);
    // 8x the bytes should cost about 8x the time, not 64x (each chunk rescans everything buffered so far).
    assert.ok(large.ms < small.ms * 20 + 50, `1 MiB: ${small.ms.toFixed(0)} ms, 8 MiB: ${large.ms.toFixed(0)} ms`);
  });
});
