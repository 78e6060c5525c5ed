import { adminMessagePage } from "../ui/admin-layout.js";
import { clientRoutes } from "./routes/admin-clients.js";
import { keyRoutes } from "./routes/admin-keys.js";
import { overviewRoutes } from "./routes/admin-overview.js";
import { resourceRoutes } from "./routes/admin-resources.js";
import { adminRouter } from "./admin-router.js";
import { tokenRoutes } from "./routes/admin-tokens.js";
import { userRoutes } from "./routes/admin-users.js";
import { sendPage } from "./send-page.js";
function adminRoutes(app, context) {
  const router = adminRouter(app, context);
  overviewRoutes(router, context);
  clientRoutes(router, context);
  resourceRoutes(router, context);
  tokenRoutes(router, context);
  userRoutes(router, context);
  keyRoutes(router, context);
  router.get(
    "/*",
    async (_request, reply, admin) => sendPage(reply, 404, (nonce) => adminMessagePage({ nonce, frame: admin.frame, title: "Page not found", message: "There is no dashboard page at this address." }))
  );
}
export {
  adminRoutes
};
//# sourceMappingURL=admin-dashboard.js.map
