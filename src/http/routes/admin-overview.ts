import { isUsable } from '../../protocol/registration/initial-access-token.js';
import type { RegistrationSource } from '../../ports/clients.js';
import { overviewPage, type OverviewRange } from '../../ui/admin-pages-overview.js';
import { fillBuckets } from '../../ui/svg-chart.js';
import type { PagesContext } from '../pages-context.js';
import type { AdminRouter } from '../admin-router.js';
import { sendPage } from '../send-page.js';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const sources: RegistrationSource[] = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'];

/** The audit counters charted, by chart: registrations, completed authorizations, every token issuance. */
export const chartKeys = {
  registrations: 'client.registered',
  authorizations: 'token.issued:authorization_code',
  tokens: 'token.issued',
} as const;

/**
 * `GET /admin`: totals (clients by source, flagged look-alikes, users, live initial access tokens) and charts of
 * registrations, authorizations and token issuance: per UTC day over the last 30 days, or with `?range=48h`
 * per hour over the last 48 hours. The charts read the audit trail's hourly rollup (`countAuditEvents`), never
 * the events, so they cost the same however busy the server is.
 */
export function overviewRoutes(router: AdminRouter, context: PagesContext): void {
  const { storage, clock } = context;

  router.get('', async (request, reply, admin) => {
    const range: OverviewRange = (request.query as Record<string, unknown>)['range'] === '48h' ? '48h' : '30d';
    const now = clock.now();
    const bucket = range === '48h' ? 'hour' : 'day';
    const step = bucket === 'hour' ? hourMs : dayMs;
    // The current hour or day is the last bucket, so that what happened a moment ago is already counted.
    const to = Math.floor(now / step) * step + step;
    const from = to - (range === '48h' ? 48 : 30) * step;

    const [bySource, flagged, users, tokens, counts] = await Promise.all([
      Promise.all(sources.map((source) => storage.clients.countClients({ source }))),
      storage.clients.countClients({ flagged: true }),
      storage.users.listUsers(),
      storage.initialAccessTokens.listInitialAccessTokens(),
      storage.auditEvents.countAuditEvents({ from, to, bucket, keys: Object.values(chartKeys) }),
    ]);
    // Every client has one of the sources: their counts add up to all clients, without counting them again.
    const clients = bySource.reduce((sum, count) => sum + count, 0);
    const series = (key: string) =>
      fillBuckets(from, to, bucket, new Map(counts.filter((count) => count.key === key).map((count) => [count.bucketStart, count.count])));

    return sendPage(reply, 200, (nonce) =>
      overviewPage({
        nonce,
        frame: admin.frame,
        range,
        totals: {
          clients,
          bySource: Object.fromEntries(sources.map((source, i) => [source, bySource[i]!])) as Record<RegistrationSource, number>,
          flagged,
          users: users.length,
          liveInitialAccessTokens: tokens.filter((token) => isUsable(token, now)).length,
        },
        charts: {
          registrations: series(chartKeys.registrations),
          authorizations: series(chartKeys.authorizations),
          tokens: series(chartKeys.tokens),
        },
      }),
    );
  });
}
