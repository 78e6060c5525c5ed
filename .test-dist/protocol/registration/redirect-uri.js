import { OAuthError } from "../../errors/oauth-error.js";
const forbiddenSchemes = /* @__PURE__ */ new Set([
  "javascript",
  "livescript",
  "vbscript",
  "data",
  "file",
  "blob",
  "about",
  "filesystem",
  "view-source",
  "mailto",
  "tel",
  "sms",
  "ftp",
  "ws",
  "wss",
  "urn",
  "jar",
  "intent",
  "content",
  "mhtml",
  "ms-msdt",
  "search-ms",
  "smb"
]);
const loopbackHosts = /* @__PURE__ */ new Set(["127.0.0.1", "[::1]", "localhost"]);
const uriCharacters = /^[A-Za-z0-9\-._~:/?\[\]@!$&'()+,;=%]*$/;
const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/;
function validateRedirectUri(value, maxLength, label = "redirect_uri") {
  const refuse = (why) => {
    throw new OAuthError("invalid_redirect_uri", `${label} ${why}`);
  };
  if (value.length === 0) refuse("is empty");
  if (value.length > maxLength) refuse(`is longer than ${maxLength} characters`);
  if (value.includes("#")) refuse("must not contain a fragment");
  if (value.includes("*")) refuse("must not contain a wildcard");
  if (!uriCharacters.test(value)) refuse("contains characters that are not allowed in a URI");
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) refuse("contains a malformed percent-encoding");
  const schemeMatch = scheme.exec(value);
  if (!schemeMatch) refuse("is not an absolute URI");
  const name = schemeMatch[1].toLowerCase();
  if (forbiddenSchemes.has(name)) refuse(`uses the forbidden scheme ${name}`);
  if (/^[^:]+:\d+(?:[/?]|$)/.test(value)) refuse("has no scheme (it starts with a host and port)");
  if (!URL.canParse(value)) refuse("is not a well-formed URI");
  const rest = value.slice(name.length + 1);
  const authority = rest.startsWith("//") ? rest.slice(2).split(/[/?]/, 1)[0] : "";
  if (authority.includes("@")) refuse("must not contain user information");
  if (authority.includes("%")) refuse("must not percent-encode its host");
  if (name === "https" || name === "http") {
    if (!rest.startsWith("//") || rest.startsWith("///")) refuse("must be of the form scheme://host/path");
    const host = authority.replace(/:\d*$/, "").toLowerCase();
    if (host === "") refuse("has no host");
    if (!/:\d{1,5}$|^[^:]*$|^\[[^\]]*\]$/.test(authority)) refuse("has a malformed port");
    if (name === "https") return "https";
    if (!loopbackHosts.has(host)) refuse("uses http on a host other than a loopback address (127.0.0.1, [::1], localhost)");
    return "loopback";
  }
  if (value.length === name.length + 1) refuse("has nothing after the scheme");
  return "private-use";
}
export {
  validateRedirectUri
};
//# sourceMappingURL=redirect-uri.js.map
