function vouchedFor(client, config, permission) {
  if (client.registrationSource === "operator") return true;
  if (client.registrationSource !== "iat" && client.registrationSource !== "software_statement") return false;
  const policy = client.policy === null ? void 0 : config.registration.policies[client.policy];
  return policy?.[permission] === true;
}
function mayUseClientCredentials(client, config) {
  return vouchedFor(client, config, "allowClientCredentials");
}
function mayIntrospect(client, config) {
  return vouchedFor(client, config, "allowIntrospection");
}
export {
  mayIntrospect,
  mayUseClientCredentials
};
//# sourceMappingURL=client-permissions.js.map
