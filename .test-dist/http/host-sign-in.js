import { userOfHost } from "../users/host-accounts.js";
import { cookiesOf } from "./session.js";
function hostSignIn(hook, issuer, context) {
  const origin = new URL(issuer).origin;
  return {
    async user(request) {
      const hostUser = await hook.authenticate(hostRequest(request, origin));
      if (hostUser === void 0 || hostUser === null) return void 0;
      const user = await userOfHost(hostUser, context);
      const authTime = typeof hostUser.authTime === "number" && Number.isFinite(hostUser.authTime) ? hostUser.authTime : context.clock.now();
      return { user, authTime };
    },
    signInUrl: (returnTo) => hook.signInUrl(new URL(returnTo, origin).href)
  };
}
function hostRequest(request, origin) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== void 0) headers.set(name, value);
  }
  return { url: new URL(request.url, origin), method: request.method, headers, cookies: cookiesOf(request), node: request.raw, fastify: request };
}
export {
  hostSignIn
};
//# sourceMappingURL=host-sign-in.js.map
