import { OAuthError } from "../../errors/oauth-error.js";
import { pushAuthorizationRequest } from "../../protocol/authorization/pushed-request.js";
import { rateLimitKey } from "../../rate-limit/client-key.js";
import { presentedClientCredentials } from "../form-body.js";
function parRoute(app, context, path) {
  app.post(path, {
    onRequest: async (request) => {
      const decision = await context.limiter.consume(rateLimitKey(request.ip));
      if (!decision.allowed) {
        throw new OAuthError("rate_limited", "Too many requests; try again later", { retryAfter: decision.retryAfterSeconds });
      }
    },
    handler: async (request, reply) => {
      const params = request.body ?? {};
      const response = await pushAuthorizationRequest(params, presentedClientCredentials(request), context);
      request.log.debug({ client_id: params["client_id"] }, "authorization request pushed");
      return reply.code(201).header("cache-control", "no-store").header("pragma", "no-cache").send(response);
    }
  });
}
export {
  parRoute
};
//# sourceMappingURL=par.js.map
