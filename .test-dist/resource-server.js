import { authenticate } from "./resource-server/authenticate.js";
import {
  createResourceServer,
  isMachineToken
} from "./resource-server/create-resource-server.js";
import { protectedResourceMetadataHandler, requireBearerToken } from "./resource-server/express.js";
import { requireBearerTokenFastify } from "./resource-server/fastify.js";
import { guardRequest, protectedResourceMetadataFetchHandler, requireBearerTokenFetch } from "./resource-server/fetch.js";
import { ResourceServerError } from "./resource-server/resource-server-error.js";
export {
  ResourceServerError,
  authenticate,
  createResourceServer,
  guardRequest,
  isMachineToken,
  protectedResourceMetadataFetchHandler,
  protectedResourceMetadataHandler,
  requireBearerToken,
  requireBearerTokenFastify,
  requireBearerTokenFetch
};
//# sourceMappingURL=resource-server.js.map
