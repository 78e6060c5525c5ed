function emailVerified(claims) {
  const verified = claims["email_verified"];
  if (verified !== void 0) return verified === true || verified === "true";
  return claims["xms_edov"] === true || claims["xms_edov"] === "true";
}
function stringClaim(value) {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}
function listClaim(value) {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}
function profileFromClaims(provider, idToken, userinfo = {}) {
  const claims = { ...userinfo, ...idToken };
  const names = provider.claims;
  const email = stringClaim(claims[names.email]);
  return {
    provider: provider.id,
    subject: idToken["sub"],
    email,
    emailVerified: email !== null && names.email === "email" && emailVerified(claims),
    name: stringClaim(claims[names.name]),
    username: stringClaim(claims[names.username]),
    groups: listClaim(claims[names.groups]),
    claims
  };
}
export {
  profileFromClaims
};
//# sourceMappingURL=profile-from-claims.js.map
