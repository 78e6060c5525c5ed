import { html } from "./html.js";
const margin = { top: 12, right: 8, bottom: 26, left: 44 };
const hourMs = 36e5;
const dayMs = 24 * hourMs;
function barChart(input) {
  const width = input.width ?? 640;
  const height = input.height ?? 200;
  const plot = { width: width - margin.left - margin.right, height: height - margin.top - margin.bottom };
  const counts = input.points.map((point) => point.count);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const top = niceCeiling(Math.max(0, ...counts));
  const band = plot.width / Math.max(1, input.points.length);
  const barWidth = Math.max(1, band * 0.8);
  const y = (count) => margin.top + plot.height - count / top * plot.height;
  const description = chartDescription(input, total);
  const bars = input.points.map((point, i) => {
    const x = margin.left + i * band + (band - barWidth) / 2;
    return html`<rect class="bar" x="${round(x)}" y="${round(y(point.count))}" width="${round(barWidth)}" height="${round(point.count / top * plot.height)}" data-count="${point.count}"><title>${bucketLabel(point.start, input.bucket)}: ${point.count}</title></rect>`;
  });
  const ticks = [0, top / 2, top].filter((value) => Number.isInteger(value));
  const yAxis = ticks.map(
    (value) => html`<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${round(y(value))}" y2="${round(y(value))}"/><text class="tick" x="${margin.left - 6}" y="${round(y(value) + 4)}" text-anchor="end">${formatNumber(value)}</text>`
  );
  const every = Math.max(1, Math.ceil(input.points.length / 6));
  const xAxis = input.points.map(
    (point, i) => i % every === 0 ? html`<text class="tick" x="${round(margin.left + i * band + band / 2)}" y="${height - 8}" text-anchor="middle">${axisLabel(point.start, input.bucket)}</text>` : ""
  );
  return html`<svg class="chart" data-testid="${input.testId}" role="img" aria-label="${description}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
<title>${description}</title>
${yAxis}
<line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plot.height}"/>
<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plot.height}" y2="${margin.top + plot.height}"/>
${bars}
${xAxis}
</svg>`;
}
function chartFigure(input) {
  const total = input.points.reduce((sum, point) => sum + point.count, 0);
  return html`<figure class="chart-figure">
<figcaption><span class="chart-label">${input.label}</span> <span class="chart-total" data-testid="${input.testId}-total">${formatNumber(total)}</span> <span class="muted">in total</span></figcaption>
${barChart(input)}
<details><summary>${input.label}: the numbers</summary>
<table><thead><tr><th scope="col">${input.bucket === "hour" ? "Hour (UTC)" : "Day (UTC)"}</th><th scope="col">Count</th></tr></thead>
<tbody>${input.points.map((point) => html`<tr><td>${bucketLabel(point.start, input.bucket)}</td><td>${point.count}</td></tr>`)}</tbody></table>
</details>
</figure>`;
}
function fillBuckets(from, to, bucket, counts) {
  const step = bucket === "hour" ? hourMs : dayMs;
  const points = [];
  for (let start = from; start < to; start += step) points.push({ start, count: counts.get(start) ?? 0 });
  return points;
}
function niceCeiling(value) {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
function chartDescription(input, total) {
  const span = input.bucket === "hour" ? `per hour over the last ${input.points.length} hours` : `per day over the last ${input.points.length} days`;
  const peak = input.points.reduce((best, point) => best === void 0 || point.count > best.count ? point : best, void 0);
  const peakText = peak && peak.count > 0 ? `, at most ${formatNumber(peak.count)} (${bucketLabel(peak.start, input.bucket)})` : "";
  return `${input.label} ${span}: ${formatNumber(total)} in total${peakText}`;
}
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function axisLabel(start, bucket) {
  const date = new Date(start);
  return bucket === "hour" ? `${pad(date.getUTCHours())}:00` : `${months[date.getUTCMonth()]} ${date.getUTCDate()}`;
}
function bucketLabel(start, bucket) {
  const iso = new Date(start).toISOString();
  return bucket === "hour" ? `${iso.slice(0, 10)} ${iso.slice(11, 13)}:00` : iso.slice(0, 10);
}
function pad(value) {
  return String(value).padStart(2, "0");
}
function round(value) {
  return Math.round(value * 100) / 100;
}
function formatNumber(value) {
  return value.toLocaleString("en-US");
}
export {
  barChart,
  chartFigure,
  fillBuckets,
  niceCeiling
};
//# sourceMappingURL=svg-chart.js.map
