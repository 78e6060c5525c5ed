const loopbackHosts = /* @__PURE__ */ new Set(["127.0.0.1", "[::1]", "localhost"]);
function redirectUriMatches(registered, presented) {
  if (registered.includes(presented)) return true;
  const candidate = loopbackWithoutPort(presented);
  return candidate !== void 0 && registered.some((uri) => loopbackWithoutPort(uri) === candidate);
}
function loopbackWithoutPort(uri) {
  const match = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(\d{1,5}))?([/?][^#]*)?$/i.exec(uri);
  if (!match || !loopbackHosts.has(match[1].toLowerCase())) return void 0;
  if (match[2] !== void 0 && (Number(match[2]) < 1 || Number(match[2]) > 65535)) return void 0;
  if (!URL.canParse(uri)) return void 0;
  return `http://${match[1].toLowerCase()}${match[3] ?? "/"}`;
}
export {
  redirectUriMatches
};
//# sourceMappingURL=redirect-match.js.map
