import { jwtVerify } from "jose";
function createTokenVerifier(keys, issuer, clock) {
  return {
    async verifyAccessToken(token) {
      try {
        const { payload } = await jwtVerify(token, keys.keyResolver, {
          issuer,
          typ: "at+jwt",
          currentDate: new Date(clock.now()),
          requiredClaims: ["sub", "client_id", "jti", "exp", "iat"]
        });
        return payload;
      } catch {
        return void 0;
      }
    }
  };
}
export {
  createTokenVerifier
};
//# sourceMappingURL=token-verifier.js.map
