import { authenticate } from "./authenticate.js";
import { requestUrl } from "./dpop.js";
function requireBearerToken(server, options = {}) {
  return async (req, res, next) => {
    let outcome;
    try {
      outcome = await authenticate(server, authorizationHeaders(req), { ...options, dpop: nodeDpopRequest(server, req) });
    } catch (error) {
      next(error);
      return;
    }
    if (outcome.refusal) return writeReply(res, outcome.refusal);
    req.auth = outcome.auth;
    next();
  };
}
function protectedResourceMetadataHandler(server) {
  return (_req, res) => writeReply(res, server.metadataReply());
}
function authorizationHeaders(req) {
  if (!req.rawHeaders) return req.headers.authorization;
  return req.rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1].toLowerCase() === "authorization");
}
function nodeDpopRequest(server, req) {
  const path = req.originalUrl ?? req.url;
  if (req.method === void 0 || path === void 0) return void 0;
  const proof = req.rawHeaders ? req.rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1].toLowerCase() === "dpop") : req.headers.dpop;
  return { proof, method: req.method, url: requestUrl(server.resource, path) };
}
function writeReply(res, reply) {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.end(reply.body);
}
export {
  authorizationHeaders,
  nodeDpopRequest,
  protectedResourceMetadataHandler,
  requireBearerToken
};
//# sourceMappingURL=express.js.map
