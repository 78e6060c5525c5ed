import { closeAppAndServices, createServices } from "./compose.js";
import { isLoadedConfig, loadConfig } from "./config/load.js";
import { buildApp } from "./http/app.js";
import { createFetchHandler } from "./http/fetch-handler.js";
import { createNodeMiddleware, latchkeyPaths } from "./http/node-handler.js";
import { checkMountPrefix, latchkeyPlugin } from "./http/plugin.js";
import { announceFirstAdmin, ensureFirstAdmin } from "./users/first-admin.js";
async function createLatchkey(settings, options = {}) {
  const config = isLoadedConfig(settings) ? settings : loadConfig({ env: options.env ?? {}, settings });
  if (options.authenticate === void 0 !== (options.signInUrl === void 0)) {
    throw new TypeError("createLatchkey: give authenticate and signInUrl together (who is signed in, and where to send a browser to sign in)");
  }
  const overrides = {
    ...options.logger ? { logger: options.logger } : {},
    ...options.cimdFetchOptions ? { cimdFetchOptions: options.cimdFetchOptions } : {},
    ...options.authenticate && options.signInUrl ? { host: { authenticate: options.authenticate, signInUrl: options.signInUrl } } : {}
  };
  const services = await createServices(config, overrides);
  let app;
  const routes = [];
  try {
    const admin = options.authenticate ? void 0 : await ensureFirstAdmin(services.storage.users, services.clock.now(), services.config.identity);
    if (admin) announceFirstAdmin(admin, process.stderr, services.logger);
    app = await buildApp(services, { routes });
    await app.ready();
  } catch (error) {
    await services.close().catch(() => {
    });
    throw error;
  }
  services.cleanup.start();
  const handles = latchkeyPaths(config.issuer, routes);
  let closing;
  const close = () => closing ??= closeAppAndServices(app, services);
  return {
    config,
    plugin: pluginFor(services, close),
    fetch: createFetchHandler(app, { owns: handles, trustProxy: config.trustProxy }),
    middleware: createNodeMiddleware(app, handles),
    handles,
    close
  };
}
function pluginFor(services, close) {
  const plugin = async (host, options) => {
    if (host.prefix !== "") {
      throw new Error(`Register latchkey.plugin on the root Fastify instance (with { prefix: '/auth' } if you like), not inside "${host.prefix}": its routes follow the issuer's path`);
    }
    checkMountPrefix(services.config.issuer, (options.prefix ?? "").replace(/\/+$/, ""));
    if (services.config.trustProxy !== false) {
      services.logger.warn("trustProxy is set, but in a host's Fastify app the host's own trustProxy option decides the client address");
    }
    await host.register(latchkeyPlugin, { services });
    host.addHook("onClose", async () => close());
  };
  return Object.assign(plugin, { [/* @__PURE__ */ Symbol.for("skip-override")]: true });
}
export {
  createLatchkey
};
//# sourceMappingURL=library.js.map
