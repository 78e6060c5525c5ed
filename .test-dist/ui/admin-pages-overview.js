import { adminPage, sourceLabels } from "./admin-layout.js";
import { html } from "./html.js";
import { chartFigure } from "./svg-chart.js";
function overviewPage(input) {
  const { base } = input.frame;
  const { totals } = input;
  const bucket = input.range === "48h" ? "hour" : "day";
  const stat = (label, value, testId, href) => html`<div><dt>${href ? html`<a href="${href}">${label}</a>` : label}</dt><dd data-testid="${testId}">${value.toLocaleString("en-US")}</dd></div>`;
  const rangeLink = (range, label) => range === input.range ? html`<strong aria-current="page">${label}</strong>` : html`<a href="${base}/admin${range === "48h" ? "?range=48h" : ""}">${label}</a>`;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Overview",
    section: "overview",
    body: html`<h2>Totals</h2>
<dl class="stats">
${stat("Clients", totals.clients, "total-clients", `${base}/admin/clients`)}
${Object.keys(sourceLabels).map(
      (source) => stat(sourceLabels[source], totals.bySource[source], `total-source-${source}`, `${base}/admin/clients?source=${source}`)
    )}
${stat("Flagged look-alikes", totals.flagged, "total-flagged", `${base}/admin/clients?flagged=1`)}
${stat("Users", totals.users, "total-users", `${base}/admin/users`)}
${stat("Live initial access tokens", totals.liveInitialAccessTokens, "total-live-iats", `${base}/admin/iat`)}
</dl>
<h2>Activity</h2>
<p>${rangeLink("30d", "Per day, last 30 days")} · ${rangeLink("48h", "Per hour, last 48 hours")} <span class="muted">(UTC)</span></p>
<div class="charts">
${chartFigure({ testId: "chart-registrations", label: "Registrations", points: input.charts.registrations, bucket })}
${chartFigure({ testId: "chart-authorizations", label: "Authorizations", points: input.charts.authorizations, bucket })}
${chartFigure({ testId: "chart-tokens", label: "Tokens issued", points: input.charts.tokens, bucket })}
</div>
<p class="muted">Authorizations are completed code exchanges; tokens issued counts every token response (codes, refreshes, client credentials).</p>`
  });
}
export {
  overviewPage
};
//# sourceMappingURL=admin-pages-overview.js.map
