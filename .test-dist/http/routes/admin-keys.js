import { listSigningKeys, rotateSigningKey } from "../../operations/keys.js";
import { keyListPage } from "../../ui/admin-pages-keys.js";
import { readNotice, redirectWithNotice } from "../admin-router.js";
import { sendPage } from "../send-page.js";
function keyRoutes(router, context) {
  const { keys, config, audit } = context;
  router.get("/keys", async (request, reply, admin) => {
    const listed = await listSigningKeys({ keys });
    return sendPage(
      reply,
      200,
      (nonce) => keyListPage({ nonce, frame: admin.frame, keys: listed, notice: readNotice(context, request), graceSeconds: config.keys.rotationGraceSeconds, refreshSeconds: config.keys.refreshSeconds })
    );
  });
  router.post("/keys/rotate", async (_request, reply, admin) => {
    const { key } = await rotateSigningKey({ keys, audit }, admin.actor);
    return redirectWithNotice(context, reply, "/keys", "key-rotated", key.kid);
  });
}
export {
  keyRoutes
};
//# sourceMappingURL=admin-keys.js.map
