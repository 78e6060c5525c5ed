import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { getHeapStatistics } from 'node:v8';
import { capYoungGeneration } from '../../src/cli/young-generation.js';

const MiB = 2 ** 20;
const moduleUrl = new URL('../../src/cli/young-generation.ts', import.meta.url).href;

/**
 * The largest young generation (V8's new space) seen in a fresh process while it allocates as a server under load
 * does: many short tasks, and objects that live across a few of them (a ring of recent ones), so that enough
 * survive each scavenge for V8 to grow the space. With `cap`, the process caps it first.
 */
function largestYoungGeneration(cap: number | undefined, nodeFlags: string[] = []): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { capYoungGeneration } from ${JSON.stringify(moduleUrl)};
    const cap = ${cap ?? 'undefined'};
    if (cap !== undefined && capYoungGeneration(cap, { execArgv: process.execArgv, nodeOptions: undefined }) === undefined) {
      console.log('not capped');
      process.exit(0);
    }
    const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    const ring = new Array(20_000);
    let largest = 0;
    for (let n = 0; n < 3_000_000; n++) {
      ring[n % ring.length] = { n, text: 'value ' + n, list: [n] };
      if (n % 2_000 === 0) {
        largest = Math.max(largest, newSpace());
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    console.log(largest);
  `;
  const result = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(result.status, 0, result.stderr);
  const out = result.stdout.trim();
  if (out === 'not capped') return Number.NaN;
  return Number(out);
}

describe('the young generation of a server process', () => {
  // V8's own maximum follows the heap's limit: about 32 MiB on Node 22, 128 MiB on Node 24 with memory to spare,
  // less in a small container, where the control cannot show anything.
  const roomy = getHeapStatistics().heap_size_limit >= 2 * 1024 * MiB;
  it('grows past 16 MiB without a cap, under this allocation (the control)', { skip: !roomy && 'a heap limit under 2 GiB' }, () => {
    const largest = largestYoungGeneration(undefined);
    assert.ok(largest > 16 * MiB, `largest young generation ${largest / MiB} MiB`);
  });

  it('stops growing at the cap, the growth factor set to 1 after each collection', () => {
    const largest = largestYoungGeneration(4 * MiB);
    // Between two scavenges the space reports the pages it filled beyond its capacity too (10-13 MiB seen with a
    // 4 MiB cap; so does V8 with --max-semi-space-size=2), then falls back to the cap.
    assert.ok(largest >= 4 * MiB && largest <= 16 * MiB, `largest young generation ${largest / MiB} MiB`);
  });

  it('leaves the operator’s own sizing alone (--max-semi-space-size in the command line or NODE_OPTIONS)', () => {
    assert.equal(capYoungGeneration(8 * MiB, { execArgv: ['--max-semi-space-size=64'], nodeOptions: undefined }), undefined);
    assert.equal(capYoungGeneration(8 * MiB, { execArgv: [], nodeOptions: '--enable-source-maps --max_semi_space_size=64' }), undefined);
    assert.equal(capYoungGeneration(8 * MiB, { execArgv: ['--semi-space-growth-factor=4'], nodeOptions: undefined }), undefined);
    assert.ok(Number.isNaN(largestYoungGeneration(8 * MiB, ['--max-semi-space-size=32'])));
  });
});
