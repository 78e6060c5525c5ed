import { secretBytes } from "../protocol/registration/registration.js";
import { digestSecret } from "../protocol/secrets.js";
import { auditedBy } from "./actor.js";
import { OperationError } from "./operation-error.js";
async function issueInitialAccessToken(request, context, actor) {
  const { policies } = context.config.registration;
  if (request.policy !== null && !Object.hasOwn(policies, request.policy)) {
    const known = Object.keys(policies);
    throw new OperationError(
      "invalid_input",
      `There is no registration policy "${request.policy}"${known.length ? ` (known: ${known.join(", ")})` : " (registration.policies defines none)"}`
    );
  }
  if (request.maxUses !== null && (!Number.isInteger(request.maxUses) || request.maxUses < 1)) {
    throw new OperationError("invalid_input", "The number of uses must be a positive integer");
  }
  const now = context.clock.now();
  const token = context.random.token(secretBytes);
  const record = {
    id: context.random.uuid(),
    tokenDigest: digestSecret(token),
    description: request.description,
    policy: request.policy,
    maxUses: request.maxUses,
    uses: 0,
    createdAt: now,
    expiresAt: request.expiresInSeconds === null ? null : now + request.expiresInSeconds * 1e3,
    revokedAt: null
  };
  await context.initialAccessTokens.createInitialAccessToken(record);
  context.audit.record({
    type: "iat.created",
    ...auditedBy(actor),
    data: { iat_id: record.id, policy: record.policy, max_uses: record.maxUses, expires_at: record.expiresAt }
  });
  return { token, record };
}
async function revokeInitialAccessToken(id, context, actor) {
  if (!await context.initialAccessTokens.revokeInitialAccessToken(id, context.clock.now())) {
    throw new OperationError("not_found", `There is no live initial access token with id ${JSON.stringify(id)}.`);
  }
  context.audit.record({ type: "iat.revoked", ...auditedBy(actor), data: { iat_id: id } });
}
function listInitialAccessTokens(context) {
  return context.initialAccessTokens.listInitialAccessTokens();
}
export {
  issueInitialAccessToken,
  listInitialAccessTokens,
  revokeInitialAccessToken
};
//# sourceMappingURL=initial-access-tokens.js.map
