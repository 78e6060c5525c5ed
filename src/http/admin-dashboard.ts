import type { FastifyInstance } from 'fastify';
import { adminMessagePage } from '../ui/admin-layout.js';
import type { PagesContext } from './pages-context.js';
import { clientRoutes } from './routes/admin-clients.js';
import { keyRoutes } from './routes/admin-keys.js';
import { overviewRoutes } from './routes/admin-overview.js';
import { resourceRoutes } from './routes/admin-resources.js';
import { adminRouter } from './admin-router.js';
import { tokenRoutes } from './routes/admin-tokens.js';
import { userRoutes } from './routes/admin-users.js';
import { sendPage } from './send-page.js';

/**
 * The admin dashboard under `<base>/admin`: overview with charts, clients, resources, initial access tokens,
 * users and signing keys. Every route goes through one router ({@link adminRouter}): administrators only, CSRF-checked
 * POSTs, pages that are never cached and never framed.
 */
export function adminRoutes(app: FastifyInstance, context: PagesContext): void {
  const router = adminRouter(app, context);
  overviewRoutes(router, context);
  clientRoutes(router, context);
  resourceRoutes(router, context);
  tokenRoutes(router, context);
  userRoutes(router, context);
  keyRoutes(router, context);
  // Any other address below /admin: a page (never cached, never framed) rather than the API's JSON 404.
  router.get('/*', async (_request, reply, admin) =>
    sendPage(reply, 404, (nonce) => adminMessagePage({ nonce, frame: admin.frame, title: 'Page not found', message: 'There is no dashboard page at this address.' })),
  );
}
