// `latchkey/resource-server`: what an MCP server needs to accept Latchkey's access tokens. It runs in the MCP
// server's process, so it knows nothing of Fastify or storage: only jose, fetch and web-standard types. Express and
// Hono are described by the few members the middleware uses, never imported.
export { authenticate, type AuthInfo, type Authentication } from './resource-server/authenticate.js';
export {
  createResourceServer,
  isMachineToken,
  type AccessTokenClaims,
  type ResourceServer,
  type ResourceServerOptions,
} from './resource-server/create-resource-server.js';
export { protectedResourceMetadataHandler, requireBearerToken, type NodeBearerRequest, type NodeReplyResponse } from './resource-server/express.js';
export { requireBearerTokenFastify, type FastifyBearerReply, type FastifyBearerRequest } from './resource-server/fastify.js';
export { guardRequest, protectedResourceMetadataFetchHandler, requireBearerTokenFetch, type FetchGuardContext } from './resource-server/fetch.js';
export type { DpopRequest } from './resource-server/dpop.js';
export type { HttpReply } from './resource-server/http-reply.js';
export type { IntrospectionOptions } from './resource-server/introspection.js';
export { ResourceServerError, type ResourceServerErrorCode } from './resource-server/resource-server-error.js';
