import { authenticate } from "./authenticate.js";
import { requestUrl } from "./dpop.js";
import { toResponse } from "./http-reply.js";
async function guardRequest(server, request, options = {}) {
  const url = new URL(request.url);
  const dpop = { proof: request.headers.get("dpop"), method: request.method, url: requestUrl(server.resource, url.pathname) };
  const outcome = await authenticate(server, request.headers.get("authorization"), { ...options, dpop });
  return outcome.refusal ? { response: toResponse(outcome.refusal) } : { auth: outcome.auth };
}
function requireBearerTokenFetch(server, options = {}) {
  return async (c, next) => {
    const guarded = await guardRequest(server, c.req.raw, options);
    if (guarded.response) return guarded.response;
    c.set("auth", guarded.auth);
    await next();
    return void 0;
  };
}
function protectedResourceMetadataFetchHandler(server) {
  return (_request) => server.metadataResponse();
}
export {
  guardRequest,
  protectedResourceMetadataFetchHandler,
  requireBearerTokenFetch
};
//# sourceMappingURL=fetch.js.map
