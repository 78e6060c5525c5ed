import { OAuthError } from "../errors/oauth-error.js";
import { singleDpopProof, verifyDpopProof } from "../protocol/dpop/dpop-proof.js";
function dpopHeader(request) {
  const value = request.headers["dpop"];
  return Array.isArray(value) ? value.join(", ") : value;
}
async function tokenRequestProof(request, reply, url, context) {
  const proof = singleDpopProof(dpopHeader(request));
  if (proof === void 0) return void 0;
  if (context.requireNonce) reply.header("dpop-nonce", context.dpopNonces.current(context.clock.now()));
  return verifyDpopProof(proof, { method: request.method, url }, { ...context, nonces: context.requireNonce ? context.dpopNonces : void 0 });
}
async function resourceRequestProof(request, url, accessToken, context) {
  try {
    const proof = singleDpopProof(dpopHeader(request));
    if (proof === void 0) throw new OAuthError("invalid_dpop_proof", "a DPoP proof is required with the DPoP scheme");
    return await verifyDpopProof(proof, { method: request.method, url, accessToken }, { ...context, nonces: void 0 });
  } catch (error) {
    if (error instanceof OAuthError && error.code === "invalid_dpop_proof") {
      throw new OAuthError("invalid_resource_dpop_proof", error.description, { cause: error, scheme: "DPoP" });
    }
    throw error;
  }
}
export {
  resourceRequestProof,
  tokenRequestProof
};
//# sourceMappingURL=dpop.js.map
