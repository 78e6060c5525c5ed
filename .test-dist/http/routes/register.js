import { OAuthError } from "../../errors/oauth-error.js";
import { registerClient } from "../../protocol/registration/registration.js";
import { rateLimitKey } from "../../rate-limit/client-key.js";
import { requireObjectBody } from "../json-body.js";
import { bearerToken } from "../bearer.js";
function registerRoute(app, context, endpoints) {
  for (const { path, url } of endpoints) {
    app.post(path, {
      onRequest: async (request) => {
        const decision = await context.limiter.consume(rateLimitKey(request.ip));
        if (!decision.allowed) {
          throw new OAuthError("rate_limited", "Too many registration requests; try again later", {
            retryAfter: decision.retryAfterSeconds
          });
        }
      },
      handler: async (request, reply) => {
        const result = await registerClient(
          { body: requireObjectBody(request), initialAccessToken: bearerToken(request.headers.authorization), ip: request.ip },
          context,
          url
        );
        return reply.code(201).header("cache-control", "no-store").header("pragma", "no-cache").send(result.response);
      }
    });
  }
}
export {
  registerRoute
};
//# sourceMappingURL=register.js.map
