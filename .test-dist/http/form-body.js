import { OAuthError } from "../errors/oauth-error.js";
function parseFormBody(text) {
  const params = /* @__PURE__ */ Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    if (name in params) throw new OAuthError("invalid_request", `the parameter ${printable(name)} is repeated`);
    if (value !== "") params[name] = value;
  }
  return params;
}
function parseBasicCredentials(header) {
  const match = header === void 0 ? null : /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) {
    if (header !== void 0 && /^Basic\b/i.test(header)) throw new OAuthError("invalid_request", "the Basic authorization header is malformed");
    return void 0;
  }
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) throw new OAuthError("invalid_request", "the Basic authorization header is malformed");
  try {
    const decode = (part) => decodeURIComponent(part.replace(/\+/g, " "));
    return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError("invalid_request", "the Basic authorization header is malformed");
  }
}
function presentedClientCredentials(request) {
  const params = request.body ?? {};
  return {
    basic: parseBasicCredentials(request.headers.authorization),
    clientId: params["client_id"],
    clientSecret: params["client_secret"],
    clientAssertionType: params["client_assertion_type"],
    clientAssertion: params["client_assertion"]
  };
}
function printable(name) {
  return name.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?").slice(0, 64);
}
export {
  parseBasicCredentials,
  parseFormBody,
  presentedClientCredentials
};
//# sourceMappingURL=form-body.js.map
