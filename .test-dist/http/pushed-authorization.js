import { createHash } from "node:crypto";
import { AuthorizationPageError } from "../protocol/authorization/authorization-request.js";
import { takePushedRequest } from "../protocol/authorization/pushed-request.js";
const markParam = "latchkey_pushed";
const markLifetimeMs = 10 * 6e4;
function pushedAuthorizations(signer, context) {
  const mark = (params) => ({
    ...params,
    [markParam]: signer.sign(`${context.clock.now() + markLifetimeMs}.${paramsDigest(params)}`)
  });
  const isMarked = (query) => {
    const value = query[markParam] === void 0 ? void 0 : signer.verify(query[markParam]);
    if (value === void 0) return false;
    const [expires, digest] = value.split(".");
    return Number(expires) > context.clock.now() && digest === paramsDigest(query);
  };
  return {
    /** The query to decide, or the error page when its `request_uri` cannot be used. */
    async resolve(query) {
      if (query["request_uri"] === void 0) return { query, pushed: isMarked(query) };
      try {
        return { query: mark(await takePushedRequest(query, context)), pushed: true };
      } catch (error) {
        if (error instanceof AuthorizationPageError) return { kind: "error-page", error: error.code, description: error.description };
        throw error;
      }
    }
  };
}
function paramsDigest(params) {
  const entries = Object.entries(params).filter(([name]) => name !== markParam && name !== "prompt").sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return createHash("sha256").update(JSON.stringify(entries)).digest("base64url");
}
export {
  pushedAuthorizations
};
//# sourceMappingURL=pushed-authorization.js.map
