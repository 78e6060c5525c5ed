import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, medianRun, peerRatios, ratioToPeer, rotated, roundRatios, sameRoundRatio, summaryOf } from '../bench/support.js';

// The bench's rounds (BENCH_ROUNDS): what it reports must be the same-round ratios' median, not a ratio of runs
// taken minutes apart, and its order must move each target to every place.
describe('bench rounds', () => {
  it('rotates the order by one place each round, so each target runs in every place', () => {
    const targets = ['baseline', 'oidc-provider', 'sqlite'];
    assert.deepEqual(rotated(targets, 0), targets);
    assert.deepEqual(rotated(targets, 1), ['oidc-provider', 'sqlite', 'baseline']);
    assert.deepEqual(rotated(targets, 2), ['sqlite', 'baseline', 'oidc-provider']);
    assert.deepEqual(rotated(targets, 3), targets);
    assert.deepEqual(rotated([], 2), []);
  });

  it('takes the lower middle value, and the run of median req/s', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2);
    assert.equal(median([7]), 7);
    const runs = [300, 100, 200].map((reqPerSec, round) => ({ target: 'sqlite', reqPerSec, round }));
    assert.equal(medianRun(runs).round, 2);
  });

  it('divides within each round and reports the median of those ratios', () => {
    // Round 1 ran on a machine twice as slow: a ratio of medians across rounds would be 200 / 100 = 2, the
    // same-round ratios are 3, 3 and 1.5.
    const runs = [
      { target: 'oidc-provider', reqPerSec: 100, round: 0 },
      { target: 'sqlite', reqPerSec: 300, round: 0 },
      { target: 'oidc-provider', reqPerSec: 50, round: 1 },
      { target: 'sqlite', reqPerSec: 150, round: 1 },
      { target: 'oidc-provider', reqPerSec: 200, round: 2 },
      { target: 'sqlite', reqPerSec: 300, round: 2 },
    ];
    assert.deepEqual(sameRoundRatio(runs, 'sqlite', 'oidc-provider'), { ratio: 3, each: [3, 3, 1.5] });
    assert.equal(ratioToPeer({ target: 'sqlite', reqPerSec: 300, round: 0 }, runs), 3);
    assert.equal(roundRatios(sameRoundRatio(runs, 'sqlite', 'oidc-provider')), ' (rounds: 3.00, 3.00, 1.50)');
    const [sqlite] = peerRatios(runs, { sqlite: 3, postgres: 2 });
    assert.deepEqual(sqlite, { target: 'sqlite', ratio: 3, each: [3, 3, 1.5], goal: 3, pass: true });
  });

  it('skips a round in which either target did not run or answered nothing', () => {
    const runs = [
      { target: 'oidc-provider', reqPerSec: 0, round: 0 },
      { target: 'sqlite', reqPerSec: 300, round: 0 },
      { target: 'sqlite', reqPerSec: 200, round: 1 },
      { target: 'oidc-provider', reqPerSec: 100, round: 2 },
      { target: 'sqlite', reqPerSec: 150, round: 2 },
    ];
    assert.deepEqual(sameRoundRatio(runs, 'sqlite', 'oidc-provider'), { ratio: 1.5, each: [1.5] });
    assert.equal(roundRatios(sameRoundRatio(runs, 'sqlite', 'oidc-provider')), '');
    assert.equal(sameRoundRatio(runs, 'postgres', 'oidc-provider'), undefined);
    // A single run (no round recorded) pairs with the other single run.
    assert.equal(sameRoundRatio([{ target: 'a', reqPerSec: 3 }, { target: 'b', reqPerSec: 2 }], 'a', 'b')?.ratio, 1.5);
  });

  it('shows a target by its run of median req/s, or by its skip when it never ran', () => {
    const skip = { skipped: 'PostgreSQL is unavailable' };
    const runs = [120, 80, 100].map((reqPerSec, round) => ({ target: 'sqlite', reqPerSec, round }));
    assert.equal(summaryOf([skip, ...runs]), runs[2]);
    assert.equal(summaryOf([skip, skip]), skip);
    assert.equal(summaryOf([]), undefined);
  });

  it('takes the same-round ratio of another figure, leaving out rounds where it is unknown', () => {
    const runs = [
      { target: 'on', reqPerSec: 1, cpu: 120, round: 0 },
      { target: 'off', reqPerSec: 1, cpu: 100, round: 0 },
      { target: 'on', reqPerSec: 1, cpu: null, round: 1 },
      { target: 'off', reqPerSec: 1, cpu: 100, round: 1 },
    ];
    assert.deepEqual(sameRoundRatio(runs, 'on', 'off', (run) => run.cpu), { ratio: 1.2, each: [1.2] });
  });
});
