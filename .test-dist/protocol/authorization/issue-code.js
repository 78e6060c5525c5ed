import { digestSecret } from "../secrets.js";
const codeLifetimeMs = 6e4;
async function issueAuthorizationCode(request, user, context) {
  const code = context.random.token(32);
  const now = context.clock.now();
  await context.codes.insertCode({
    codeDigest: digestSecret(code),
    clientId: request.clientId,
    userId: user.id,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scope: request.scope,
    resource: request.resource,
    nonce: request.nonce,
    authTime: user.authTime,
    expiresAt: now + codeLifetimeMs
  });
  return code;
}
export {
  codeLifetimeMs,
  issueAuthorizationCode
};
//# sourceMappingURL=issue-code.js.map
