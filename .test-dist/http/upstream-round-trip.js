import { cookieNames, cookiesOf, setCookie } from "./session.js";
const lifetimeSeconds = 600;
const maxCookieValue = 3800;
function upstreamRoundTrips(issuer, signer, clock) {
  const names = cookieNames(issuer);
  const name = `${names.session.startsWith("__Host-") ? "__Host-" : ""}latchkey-upstream`;
  return {
    /** Writes the cookie; `false` (writing nothing) when the pending request is too large for a cookie. */
    write(reply, pending) {
      const payload = Buffer.from(JSON.stringify({ ...pending, expires: clock.now() + lifetimeSeconds * 1e3 })).toString("base64url");
      const value = signer.sign(payload);
      if (value.length > maxCookieValue) return false;
      setCookie(reply, name, value, { ...names.options, maxAge: lifetimeSeconds });
      return true;
    },
    /** The pending sign-in of this browser, when its cookie was signed here and has not expired. */
    read(request) {
      const raw = cookiesOf(request)[name];
      const value = raw === void 0 ? void 0 : signer.verify(raw);
      if (value === void 0) return void 0;
      const parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
      if (!(parsed.expires > clock.now())) return void 0;
      return { provider: parsed.provider, roundTrip: parsed.roundTrip, then: parsed.then };
    },
    /** Forgets the pending sign-in: a callback is used once. */
    clear(reply) {
      setCookie(reply, name, "", { ...names.options, maxAge: 0, expires: /* @__PURE__ */ new Date(0) });
    }
  };
}
export {
  upstreamRoundTrips
};
//# sourceMappingURL=upstream-round-trip.js.map
