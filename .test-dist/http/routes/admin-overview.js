import { isUsable } from "../../protocol/registration/initial-access-token.js";
import { overviewPage } from "../../ui/admin-pages-overview.js";
import { fillBuckets } from "../../ui/svg-chart.js";
import { sendPage } from "../send-page.js";
const hourMs = 36e5;
const dayMs = 24 * hourMs;
const sources = ["dynamic", "iat", "software_statement", "cimd", "operator"];
const chartKeys = {
  registrations: "client.registered",
  authorizations: "token.issued:authorization_code",
  tokens: "token.issued"
};
function overviewRoutes(router, context) {
  const { storage, clock } = context;
  router.get("", async (request, reply, admin) => {
    const range = request.query["range"] === "48h" ? "48h" : "30d";
    const now = clock.now();
    const bucket = range === "48h" ? "hour" : "day";
    const step = bucket === "hour" ? hourMs : dayMs;
    const to = Math.floor(now / step) * step + step;
    const from = to - (range === "48h" ? 48 : 30) * step;
    const [bySource, flagged, users, tokens, counts] = await Promise.all([
      Promise.all(sources.map((source) => storage.clients.countClients({ source }))),
      storage.clients.countClients({ flagged: true }),
      storage.users.listUsers(),
      storage.initialAccessTokens.listInitialAccessTokens(),
      storage.auditEvents.countAuditEvents({ from, to, bucket, keys: Object.values(chartKeys) })
    ]);
    const clients = bySource.reduce((sum, count) => sum + count, 0);
    const series = (key) => fillBuckets(from, to, bucket, new Map(counts.filter((count) => count.key === key).map((count) => [count.bucketStart, count.count])));
    return sendPage(
      reply,
      200,
      (nonce) => overviewPage({
        nonce,
        frame: admin.frame,
        range,
        totals: {
          clients,
          bySource: Object.fromEntries(sources.map((source, i) => [source, bySource[i]])),
          flagged,
          users: users.length,
          liveInitialAccessTokens: tokens.filter((token) => isUsable(token, now)).length
        },
        charts: {
          registrations: series(chartKeys.registrations),
          authorizations: series(chartKeys.authorizations),
          tokens: series(chartKeys.tokens)
        }
      })
    );
  });
}
export {
  chartKeys,
  overviewRoutes
};
//# sourceMappingURL=admin-overview.js.map
