import { closeAppAndServices, createServices } from "./compose.js";
import { buildApp } from "./http/app.js";
import { createLogger } from "./observability/logger.js";
import { announceFirstAdmin, ensureFirstAdmin } from "./users/first-admin.js";
async function startServer(config, logger = createLogger(config.logLevel)) {
  const services = await createServices(config, { logger });
  try {
    const admin = await ensureFirstAdmin(services.storage.users, services.clock.now(), services.config.identity);
    if (admin) announceFirstAdmin(admin, process.stderr, services.logger);
    const app = await buildApp(services);
    const address = await app.listen({ host: config.host, port: config.port }).catch(async (error) => {
      await app.close();
      throw error;
    });
    services.logger.info(
      { address, issuer: config.issuer, database: services.storage.dialect, profile: config.registration.profile },
      "Latchkey is listening"
    );
    services.cleanup.start();
    let closing;
    return {
      app,
      storage: services.storage,
      address,
      close: () => closing ??= closeAppAndServices(app, services)
    };
  } catch (error) {
    await services.close().catch(() => {
    });
    throw error;
  }
}
function closeOnSignals(server, logger) {
  const stop = (signal) => {
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      }
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
export {
  closeOnSignals,
  startServer
};
//# sourceMappingURL=main.js.map
