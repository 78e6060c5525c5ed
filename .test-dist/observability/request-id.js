import { randomUUID } from "node:crypto";
const safeRequestId = /^[A-Za-z0-9._-]{1,128}$/;
function requestIdGenerator(trustedProxy) {
  return (request) => {
    const header = request.headers["x-request-id"];
    return trustedProxy(request.socket?.remoteAddress) && typeof header === "string" && safeRequestId.test(header) ? header : randomUUID();
  };
}
export {
  requestIdGenerator
};
//# sourceMappingURL=request-id.js.map
