import { OAuthError } from "../errors/oauth-error.js";
import { bearerToken } from "../http/bearer.js";
import { digestSecret, secretMatches } from "../protocol/secrets.js";
function instrumentApp(app, config, metrics) {
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.observeRequest(route, request.method, status, reply.elapsedTime / 1e3);
    done();
  });
  const expected = config.metrics.bearerToken === null ? null : digestSecret(config.metrics.bearerToken);
  app.get(config.metrics.path, { logLevel: "warn" }, async (request, reply) => {
    if (expected !== null) {
      const presented = bearerToken(request.headers.authorization);
      if (presented === void 0 || !secretMatches(presented, expected)) {
        throw new OAuthError("invalid_token", "the metrics need the configured bearer token", { tokenPresented: presented !== void 0 });
      }
    }
    const text = await metrics.render();
    return reply.header("content-type", metrics.contentType).header("cache-control", "no-store").send(text);
  });
}
export {
  instrumentApp
};
//# sourceMappingURL=http-metrics.js.map
