import { rateLimitKey } from "../rate-limit/client-key.js";
import { authenticate } from "../users/users.js";
async function checkCurrentPassword(context, request, user, password) {
  const address = rateLimitKey(request.ip);
  const decision = await context.throttle.check(user.username, address);
  if (!decision.allowed) {
    return { status: 429, message: `Too many failed attempts. Nothing was changed. Try again in ${Math.ceil(decision.retryAfterSeconds / 60)} minute(s).` };
  }
  const confirmed = await authenticate(context.storage.users, user.username, password);
  if (confirmed?.id !== user.id) {
    await context.throttle.recordFailure(user.username, address);
    context.audit.record({ type: "user.sign_in_failed", userId: user.id, ip: request.ip, data: { username: user.username, during: "password_change" } });
    return { status: 401, message: "Your current password is not right. Nothing was changed." };
  }
  await context.throttle.recordSuccess(user.username, address);
  return void 0;
}
export {
  checkCurrentPassword
};
//# sourceMappingURL=current-password.js.map
