const jwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
function usesClientSecret(method) {
  return method === "client_secret_basic" || method === "client_secret_post";
}
export {
  jwtBearerGrantType,
  usesClientSecret
};
//# sourceMappingURL=client-metadata.js.map
