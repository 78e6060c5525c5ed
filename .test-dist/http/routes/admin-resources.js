import { listResources } from "../../operations/resources.js";
import { resourcesPage } from "../../ui/admin-pages-resources.js";
import { sendPage } from "../send-page.js";
function resourceRoutes(router, context) {
  router.get(
    "/resources",
    async (_request, reply, admin) => sendPage(reply, 200, (nonce) => resourcesPage({ nonce, frame: admin.frame, resources: listResources(context.config) }))
  );
}
export {
  resourceRoutes
};
//# sourceMappingURL=admin-resources.js.map
