import { authenticate } from "./authenticate.js";
import { authorizationHeaders, nodeDpopRequest } from "./express.js";
function requireBearerTokenFastify(server, options = {}) {
  return async (request, reply) => {
    const outcome = await authenticate(server, authorizationHeaders(request.raw), { ...options, dpop: nodeDpopRequest(server, request.raw) });
    if (outcome.refusal) return reply.code(outcome.refusal.status).headers(outcome.refusal.headers).send(outcome.refusal.body);
    request.raw.auth = outcome.auth;
    return void 0;
  };
}
export {
  requireBearerTokenFastify
};
//# sourceMappingURL=fastify.js.map
