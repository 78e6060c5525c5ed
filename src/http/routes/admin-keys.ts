import { listSigningKeys, rotateSigningKey } from '../../operations/keys.js';
import { keyListPage } from '../../ui/admin-pages-keys.js';
import type { PagesContext } from '../pages-context.js';
import { readNotice, redirectWithNotice, type AdminRouter } from '../admin-router.js';
import { sendPage } from '../send-page.js';

/**
 * `GET /admin/keys` (every key that still verifies tokens; never key material) and `POST /admin/keys/rotate`:
 * a new current key, the previous one verifying for `keys.rotationGraceSeconds` (as `latchkey keys rotate`).
 */
export function keyRoutes(router: AdminRouter, context: PagesContext): void {
  const { keys, config, audit } = context;

  router.get('/keys', async (request, reply, admin) => {
    const listed = await listSigningKeys({ keys });
    return sendPage(reply, 200, (nonce) =>
      keyListPage({ nonce, frame: admin.frame, keys: listed, notice: readNotice(context, request), graceSeconds: config.keys.rotationGraceSeconds, refreshSeconds: config.keys.refreshSeconds }),
    );
  });

  router.post('/keys/rotate', async (_request, reply, admin) => {
    const { key } = await rotateSigningKey({ keys, audit }, admin.actor);
    return redirectWithNotice(context, reply, '/keys', 'key-rotated', key.kid);
  });
}
