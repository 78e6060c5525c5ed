import { exchangeToken } from "../../protocol/token/token-endpoint.js";
import { OAuthError } from "../../errors/oauth-error.js";
import { rateLimitKey } from "../../rate-limit/client-key.js";
import { tokenRequestProof } from "../dpop.js";
import { presentedClientCredentials } from "../form-body.js";
function tokenRoute(app, context, path) {
  const url = new URL(path, context.config.issuer).href;
  app.post(path, {
    onRequest: async (request) => {
      const decision = await context.limiter.consume(rateLimitKey(request.ip));
      if (!decision.allowed) {
        throw new OAuthError("rate_limited", "Too many token requests; try again later", { retryAfter: decision.retryAfterSeconds });
      }
    },
    handler: async (request, reply) => {
      const params = request.body ?? {};
      const dpop = await tokenRequestProof(request, reply, url, { ...context, requireNonce: context.config.tokens.dpopNonce });
      const response = await exchangeToken(params, presentedClientCredentials(request), { ...context, ip: request.ip, dpop });
      request.log.debug({ client_id: params["client_id"], grant_type: params["grant_type"] }, "tokens issued");
      return reply.header("cache-control", "no-store").header("pragma", "no-cache").send(response);
    }
  });
}
export {
  tokenRoute
};
//# sourceMappingURL=token.js.map
