function matchesRule(rule, profile) {
  if (rule.anyone === true) return true;
  if (profile.emailVerified && profile.email !== null) {
    const email = profile.email.toLowerCase();
    const at = email.lastIndexOf("@");
    if (at > 0 && rule.emailDomains?.includes(email.slice(at + 1))) return true;
    if (rule.emails?.includes(email)) return true;
  }
  if (rule.claim && (rule.claim.provider === void 0 || rule.claim.provider === profile.provider)) {
    const value = profile.claims[rule.claim.name];
    const values = rule.claim.values;
    if (typeof value === "string" && values.includes(value)) return true;
    if (Array.isArray(value) && value.some((item) => typeof item === "string" && values.includes(item))) return true;
  }
  return false;
}
export {
  matchesRule
};
//# sourceMappingURL=matches-rule.js.map
