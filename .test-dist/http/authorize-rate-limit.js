import { rateLimitKey } from "../rate-limit/client-key.js";
import { errorPage } from "../ui/authorization-pages.js";
import { sendPage } from "./send-page.js";
function limitAuthorizationPages(pages, limiter, base) {
  const limited = /* @__PURE__ */ new Set([
    `GET ${base}/authorize`,
    `HEAD ${base}/authorize`,
    `POST ${base}/login`,
    `POST ${base}/consent`,
    // Each upstream sign-in costs outbound requests to the provider (discovery, the token endpoint, its keys).
    `POST ${base}/signin/upstream/:provider`,
    `POST ${base}/signin/link/:provider`,
    `GET ${base}/signin/callback/:provider`
  ]);
  pages.addHook("onRequest", async (request, reply) => {
    if (!limited.has(`${request.method} ${request.routeOptions.url}`)) return;
    const decision = await limiter.consume(rateLimitKey(request.ip));
    if (decision.allowed) return;
    request.log.info({ error: "rate_limited", retryAfter: decision.retryAfterSeconds }, "request refused");
    const minutes = Math.ceil(decision.retryAfterSeconds / 60);
    reply.header("retry-after", String(decision.retryAfterSeconds));
    return sendPage(
      reply,
      429,
      (nonce) => errorPage({ nonce, title: "Too many requests", message: `Too many sign-in requests came from your network. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` })
    );
  });
}
export {
  limitAuthorizationPages
};
//# sourceMappingURL=authorize-rate-limit.js.map
