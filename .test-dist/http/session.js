import { randomBytes, timingSafeEqual } from "node:crypto";
import { parseCookie, stringifySetCookie } from "cookie";
import { purposeSigner } from "./signed-values.js";
function cookieNames(issuer) {
  const secure = new URL(issuer).protocol === "https:";
  const prefix = secure ? "__Host-" : "";
  return {
    session: `${prefix}latchkey-session`,
    csrf: `${prefix}latchkey-csrf`,
    options: { httpOnly: true, sameSite: "lax", secure, path: "/" }
  };
}
const parsedCookies = /* @__PURE__ */ new WeakMap();
function cookiesOf(request) {
  let cookies = parsedCookies.get(request);
  if (!cookies) {
    cookies = request.headers.cookie ? parseCookie(request.headers.cookie) : {};
    parsedCookies.set(request, cookies);
  }
  return cookies;
}
function setCookie(reply, name, value, options) {
  reply.header("set-cookie", stringifySetCookie({ name, value, ...options }));
}
function createSessions(issuer, sessionTtlSeconds, now, secret) {
  const names = cookieNames(issuer);
  const signers = /* @__PURE__ */ new Map();
  const signer = (purpose) => {
    let found = signers.get(purpose);
    if (!found) signers.set(purpose, found = purposeSigner(secret, purpose));
    return found;
  };
  return {
    names,
    /** The signer of values for `purpose`: only values it signed verify. */
    signer,
    read(request) {
      const raw = cookiesOf(request)[names.session];
      const value = raw === void 0 ? void 0 : signer("session").verify(raw);
      if (value === void 0) return void 0;
      const [userId, authTime, expires, epoch] = value.split("|");
      if (!userId || !authTime || !expires || epoch === void 0 || Number(expires) <= now()) return void 0;
      return { userId, authTime: Number(authTime), epoch: Number(epoch) };
    },
    /**
     * The signed-in user: a valid session cookie whose user still exists, with the session epoch it was
     * signed in under. Signing out or a new password raises the epoch, which ends every copy of the cookie
     * (the cookie alone is only a signature, and could otherwise be replayed until it expires).
     */
    async readUser(request, users) {
      const session = this.read(request);
      const user = session && await users.findUserById(session.userId);
      return session && user && user.sessionEpoch === session.epoch ? { session, user } : void 0;
    },
    write(reply, session) {
      const expires = now() + sessionTtlSeconds * 1e3;
      setCookie(reply, names.session, signer("session").sign(`${session.userId}|${session.authTime}|${expires}|${session.epoch}`), {
        ...names.options,
        maxAge: sessionTtlSeconds
      });
    },
    /** Signs the browser out: the session cookie is cleared (the CSRF cookie stays, for the next sign-in). */
    clear(reply) {
      setCookie(reply, names.session, "", { ...names.options, maxAge: 0, expires: /* @__PURE__ */ new Date(0) });
    },
    /**
     * The CSRF token of this browser (double-submit: a cookie, repeated in each form), created when missing.
     * A cross-site page can make the browser send the cookie, but cannot read it to put it in the form.
     */
    csrfToken(request, reply) {
      const cookies = cookiesOf(request);
      const existing = cookies[names.csrf];
      if (existing !== void 0 && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
      const token = randomBytes(32).toString("base64url");
      setCookie(reply, names.csrf, token, names.options);
      cookies[names.csrf] = token;
      return token;
    },
    /** Whether a form's CSRF token is this browser's, compared in constant time. */
    csrfMatches(request, presented) {
      const expected = cookiesOf(request)[names.csrf];
      if (expected === void 0 || presented === void 0) return false;
      const a = Buffer.from(expected);
      const b = Buffer.from(presented);
      return a.length === b.length && timingSafeEqual(a, b);
    }
  };
}
export {
  cookieNames,
  cookiesOf,
  createSessions,
  setCookie
};
//# sourceMappingURL=session.js.map
