function redirectHost(uri) {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(uri);
  if (!match) return void 0;
  let host;
  if (/^https?$/i.test(match[1]) && URL.canParse(uri)) host = new URL(uri).hostname;
  else {
    const authority = match[2].toLowerCase();
    host = authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : authority.replace(/:\d*$/, "");
  }
  return host.toLowerCase().replace(/\.$/, "") || void 0;
}
function redirectHosts(uris) {
  return [...new Set(uris.map((uri) => redirectHost(uri) ?? uri.slice(0, uri.indexOf(":") + 1)))];
}
export {
  redirectHost,
  redirectHosts
};
//# sourceMappingURL=redirect-host.js.map
