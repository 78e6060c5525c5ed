import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { barChart, chartFigure, fillBuckets, niceCeiling } from '../../src/ui/svg-chart.js';

const day = Date.UTC(2026, 5, 1);
const dayMs = 86_400_000;
const points = [1, 2, 4, 0, 8].map((count, i) => ({ start: day + i * dayMs, count }));

function bars(svg: string) {
  return [...svg.matchAll(/<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" data-count="(\d+)">/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    width: Number(m[3]),
    height: Number(m[4]),
    count: Number(m[5]),
  }));
}

describe('server-rendered SVG bar chart', () => {
  it('draws one bar per bucket, heights proportional to the counts, on a shared baseline', () => {
    const svg = barChart({ testId: 'chart-x', label: 'Registrations', points, bucket: 'day', width: 640, height: 200 }).value;
    const drawn = bars(svg);
    assert.deepEqual(drawn.map((bar) => bar.count), [1, 2, 4, 0, 8]);
    // The axis tops out at 10 (the round number at or above 8): 1 of 10 is a tenth of the 162-pixel plot.
    const plotHeight = 200 - 12 - 26;
    assert.deepEqual(drawn.map((bar) => bar.height), [0.1, 0.2, 0.4, 0, 0.8].map((share) => Math.round(share * plotHeight * 100) / 100));
    for (const bar of drawn) assert.equal(Math.round((bar.y + bar.height) * 100) / 100, 12 + plotHeight, 'every bar stands on the x axis');
    assert.equal(drawn[2]!.height / drawn[0]!.height, 4);
    const xs = drawn.map((bar) => bar.x);
    assert.deepEqual(xs, [...xs].sort((a, b) => a - b), 'in time order, left to right');
    assert.ok(drawn.every((bar) => bar.width > 0 && bar.x + bar.width <= 640));
  });

  it('is an accessible image: role, label with the total and peak, a <title>, and a title per bar', () => {
    const svg = barChart({ testId: 'chart-registrations', label: 'Registrations', points, bucket: 'day' }).value;
    assert.match(svg, /^<svg class="chart" data-testid="chart-registrations" role="img" aria-label="Registrations per day over the last 5 days: 15 in total, at most 8 \(2026-06-05\)"/);
    assert.match(svg, /<title>Registrations per day over the last 5 days: 15 in total/);
    assert.match(svg, /<title>2026-06-03: 4<\/title>/);
    assert.match(svg, />0<\/text>.*>5<\/text>.*>10<\/text>/s, 'y axis ticks at 0, half and the top');
    assert.match(svg, />Jun 1<\/text>/, 'x axis labels the days');
  });

  it('labels hours, and draws an empty chart with an axis and no height', () => {
    const hour = Date.UTC(2026, 5, 1, 13);
    const svg = barChart({ testId: 'h', label: 'Tokens issued', points: [{ start: hour, count: 0 }], bucket: 'hour' }).value;
    assert.match(svg, />13:00<\/text>/);
    assert.match(svg, /aria-label="Tokens issued per hour over the last 1 hours: 0 in total"/);
    assert.deepEqual(bars(svg).map((bar) => bar.height), [0]);
  });

  it('escapes the label', () => {
    const svg = barChart({ testId: 't', label: '<script>"x"', points, bucket: 'day' }).value;
    assert.doesNotMatch(svg, /<script>/);
    assert.match(svg, /&#60;script&#62;&#34;x&#34;/);
  });

  it('shows the total beside the chart and the numbers in a table', () => {
    const figure = chartFigure({ testId: 'chart-tokens', label: 'Tokens issued', points: points.map((p) => ({ ...p, count: p.count * 1000 })), bucket: 'day' }).value;
    assert.match(figure, /data-testid="chart-tokens-total">15,000</);
    assert.match(figure, /<th scope="col">Day \(UTC\)<\/th>/);
    assert.match(figure, /<tr><td>2026-06-05<\/td><td>8000<\/td><\/tr>/);
  });

  it('fills the buckets without events with zeros', () => {
    const filled = fillBuckets(day, day + 4 * dayMs, 'day', new Map([[day + dayMs, 3]]));
    assert.deepEqual(filled.map((p) => p.count), [0, 3, 0, 0]);
    assert.deepEqual(filled.map((p) => p.start), [0, 1, 2, 3].map((i) => day + i * dayMs));
    assert.equal(fillBuckets(day, day + 48 * 3_600_000, 'hour', new Map()).length, 48);
  });

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, 1, 2, 3, 7, 10, 11, 49, 51, 999, 1001].map(niceCeiling), [1, 1, 2, 5, 10, 10, 20, 50, 100, 1000, 2000]);
  });
});
