import { parseDuration } from "../../config/load.js";
import {
  issueInitialAccessToken,
  listInitialAccessTokens,
  revokeInitialAccessToken
} from "../../operations/initial-access-tokens.js";
import { OperationError } from "../../operations/operation-error.js";
import { iatCreatedPage, iatListPage } from "../../ui/admin-pages-tokens.js";
import { readNotice, redirectWithNotice, refusalStatus } from "../admin-router.js";
import { sendPage } from "../send-page.js";
const maxLifetimeSeconds = 10 * 365 * 86400;
function tokenRoutes(router, context) {
  const { storage, config, clock, random, audit } = context;
  const ports = { initialAccessTokens: storage.initialAccessTokens, config, clock, random, audit };
  const policies = Object.keys(config.registration.policies);
  const empty = { description: "", uses: "", expires: "", policy: "" };
  const list = async (reply, admin, status, extra) => {
    const tokens = await listInitialAccessTokens(ports);
    return sendPage(
      reply,
      status,
      (nonce) => iatListPage({ nonce, frame: admin.frame, tokens, now: clock.now(), policies, form: extra.form ?? empty, notice: extra.notice, error: extra.error })
    );
  };
  router.get("/iat", (request, reply, admin) => list(reply, admin, 200, { notice: readNotice(context, request) }));
  router.post("/iat", async (request, reply, admin) => {
    const body = request.body;
    const form = {
      description: (body["description"] ?? "").trim(),
      uses: (body["uses"] ?? "").trim(),
      expires: (body["expires"] ?? "").trim(),
      policy: body["policy"] ?? ""
    };
    const parsed = parseIatForm(form);
    if (typeof parsed === "string") return list(reply, admin, 400, { error: parsed, form });
    try {
      const { token, record } = await issueInitialAccessToken(parsed, ports, admin.actor);
      return sendPage(reply, 200, (nonce) => iatCreatedPage({ nonce, frame: admin.frame, token, record, registrationEndpoint: `${config.issuer}${config.registration.path}` }));
    } catch (error) {
      if (error instanceof OperationError) return list(reply, admin, refusalStatus[error.code], { error: error.message, form });
      throw error;
    }
  });
  router.post("/iat/:id/revoke", async (request, reply, admin) => {
    const { id } = request.params;
    try {
      await revokeInitialAccessToken(id, ports, admin.actor);
    } catch (error) {
      if (error instanceof OperationError && error.code === "not_found") return redirectWithNotice(context, reply, "/iat", "iat-not-revoked");
      throw error;
    }
    return redirectWithNotice(context, reply, "/iat", "iat-revoked", id);
  });
}
function parseIatForm(form) {
  if ([...form.description].length > 200) return "The description is too long: at most 200 characters.";
  let maxUses = null;
  if (form.uses !== "") {
    if (!/^\d{1,9}$/.test(form.uses) || Number(form.uses) < 1) return "Uses must be a whole number of at least 1, or empty for no limit.";
    maxUses = Number(form.uses);
  }
  let expiresInSeconds = null;
  if (form.expires !== "") {
    const seconds = parseDuration(form.expires);
    if (seconds === void 0 || seconds < 60 || seconds > maxLifetimeSeconds) {
      return "Expires must be a duration such as 3600, 12h, 7d or 4w (at least a minute, at most ten years), or empty for never.";
    }
    expiresInSeconds = seconds;
  }
  return { description: form.description || null, maxUses, expiresInSeconds, policy: form.policy || null };
}
export {
  parseIatForm,
  tokenRoutes
};
//# sourceMappingURL=admin-tokens.js.map
