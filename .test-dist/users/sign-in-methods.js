function hasLocalPassword(user) {
  return Boolean(user.passwordHash);
}
function canUnlinkIdentity(input) {
  return input.identityCount > 1 || input.hasPassword && input.localPasswords;
}
function providerName(methods, id) {
  return methods.providers.find((provider) => provider.id === id)?.name ?? id;
}
export {
  canUnlinkIdentity,
  hasLocalPassword,
  providerName
};
//# sourceMappingURL=sign-in-methods.js.map
