function scopeTokens(scope) {
  return [...new Set((scope ?? "").split(" ").filter(Boolean))];
}
function grantableScope(requested, registered, supported) {
  const asked = requested === void 0 || requested.trim() === "" ? scopeTokens(registered) : scopeTokens(requested);
  return asked.filter((token) => supported.includes(token)).join(" ");
}
function isScopeSubset(requested, granted) {
  const allowed = new Set(scopeTokens(granted));
  return scopeTokens(requested).every((token) => allowed.has(token));
}
export {
  grantableScope,
  isScopeSubset,
  scopeTokens
};
//# sourceMappingURL=scope.js.map
