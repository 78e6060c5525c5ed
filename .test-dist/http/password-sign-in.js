import { rateLimitKey } from "../rate-limit/client-key.js";
import { authenticate } from "../users/users.js";
async function signInWithPassword(context, request, reply, credentials) {
  const { username, password } = credentials;
  const address = rateLimitKey(request.ip);
  const decision = await context.throttle.check(username, address);
  if (!decision.allowed) {
    return { status: 429, message: `Too many failed attempts. Try again in ${Math.ceil(decision.retryAfterSeconds / 60)} minute(s).` };
  }
  const user = await authenticate(context.users, username, password);
  if (!user) {
    await context.throttle.recordFailure(username, address);
    context.audit.record({ type: "user.sign_in_failed", ip: request.ip, data: { provider: "local", reason: "bad_credentials", username: username.slice(0, 100) } });
    return { status: 401, message: "The username or password is not right." };
  }
  await context.throttle.recordSuccess(username, address);
  context.sessions.write(reply, { userId: user.id, authTime: context.clock.now(), epoch: user.sessionEpoch });
  context.audit.record({ type: "user.signed_in", userId: user.id, ip: request.ip, data: { provider: "local" } });
  return { user };
}
export {
  signInWithPassword
};
//# sourceMappingURL=password-sign-in.js.map
