import { randomBytes } from "node:crypto";
function sendPage(reply, status, render) {
  const nonce = randomBytes(16).toString("base64url");
  return reply.code(status).header("content-type", "text/html; charset=utf-8").header("cache-control", "no-store").header("x-frame-options", "DENY").header("referrer-policy", "no-referrer").header("content-security-policy", `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'`).send(render(nonce));
}
export {
  sendPage
};
//# sourceMappingURL=send-page.js.map
