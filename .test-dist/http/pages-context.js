async function signedInUser(context, request) {
  if (context.host) return (await context.host.user(request))?.user;
  return (await context.sessions.readUser(request, context.storage.users))?.user;
}
function redirectToSignIn(context, reply, returnTo) {
  if (context.host) return reply.header("cache-control", "no-store").redirect(context.host.signInUrl(returnTo), 303);
  return reply.header("cache-control", "no-store").redirect(`${context.base}/signin?${new URLSearchParams({ return_to: returnTo })}`, 303);
}
function safeReturnPath(base, value) {
  const fallback = `${base}/account`;
  if (value === void 0 || value.length > 2e3) return fallback;
  const queryAt = value.indexOf("?");
  const path = queryAt === -1 ? value : value.slice(0, queryAt);
  const query = queryAt === -1 ? "" : value.slice(queryAt);
  if (!/^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$/.test(path) || !/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*$/.test(query)) return fallback;
  const segments = path.slice(1).split("/");
  for (const [i, segment] of segments.entries()) {
    let decoded;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return fallback;
    }
    if (segment === "" && i !== segments.length - 1 || decoded === "." || decoded === "..") return fallback;
  }
  const allowed = [`${base}/account`, `${base}/admin`];
  return allowed.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) ? value : fallback;
}
export {
  redirectToSignIn,
  safeReturnPath,
  signedInUser
};
//# sourceMappingURL=pages-context.js.map
