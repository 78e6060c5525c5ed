function bearerToken(header) {
  if (header === void 0) return void 0;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}
function accessTokenCredentials(header) {
  if (header === void 0) return void 0;
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) return void 0;
  return { scheme: match[1].toLowerCase() === "dpop" ? "DPoP" : "Bearer", token: match[2] };
}
export {
  accessTokenCredentials,
  bearerToken
};
//# sourceMappingURL=bearer.js.map
