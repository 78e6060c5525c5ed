import { listResources } from '../../operations/resources.js';
import { resourcesPage } from '../../ui/admin-pages-resources.js';
import type { PagesContext } from '../pages-context.js';
import type { AdminRouter } from '../admin-router.js';
import { sendPage } from '../send-page.js';

/**
 * `GET /admin/resources`: the protected resources of the configuration (PRODUCT.md §8), read-only.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function resourceRoutes(router: AdminRouter, context: PagesContext): void {
  router.get('/resources', async (_request, reply, admin) =>
    sendPage(reply, 200, (nonce) => resourcesPage({ nonce, frame: admin.frame, resources: listResources(context.config) })),
  );
}
