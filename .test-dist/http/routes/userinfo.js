import { userInfo } from "../../protocol/userinfo.js";
import { accessTokenCredentials } from "../bearer.js";
import { resourceRequestProof } from "../dpop.js";
function userinfoRoute(app, context, base) {
  const path = `${base}/userinfo`;
  const url = new URL(path, context.issuer).href;
  app.get(path, async (request, reply) => {
    const credentials = accessTokenCredentials(request.headers.authorization);
    const proof = credentials?.scheme === "DPoP" ? await resourceRequestProof(request, url, credentials.token, context) : void 0;
    const presented = credentials && { token: credentials.token, scheme: credentials.scheme, ...proof ? { jkt: proof.jkt } : {} };
    return reply.header("cache-control", "no-store").send(await userInfo(presented, context));
  });
}
export {
  userinfoRoute
};
//# sourceMappingURL=userinfo.js.map
