import { ResourceServerError } from "./resource-server-error.js";
const maxTokenLength = 8192;
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;
function bearerToken(input, needed, { bare = false } = {}) {
  const presented = presentedToken(input, needed, { bare });
  return presented?.scheme === "Bearer" ? presented.token : void 0;
}
function presentedToken(input, needed, { bare = false } = {}) {
  const values = (typeof input === "string" || input == null ? [input] : input).map((value2) => value2?.trim()).filter(Boolean);
  if (values.length > 1) throw malformed(needed, "The request has more than one Authorization header.");
  const value = values[0];
  if (!value) return void 0;
  const [scheme = "", ...rest] = value.split(/[ \t]+/);
  if (rest.length === 0 && bare) return { token: checked(scheme, needed), scheme: "Bearer" };
  const named = scheme.toLowerCase() === "bearer" ? "Bearer" : scheme.toLowerCase() === "dpop" ? "DPoP" : void 0;
  if (named === void 0) return void 0;
  if (rest.length !== 1) throw malformed(needed, `The Authorization header must be "${named}" and one token.`);
  return { token: checked(rest[0], needed), scheme: named };
}
function checked(token, needed) {
  if (token.length > maxTokenLength || !b64token.test(token)) throw malformed(needed, "The access token is not valid.");
  return token;
}
function malformed(needed, description) {
  return new ResourceServerError("invalid_token", description, needed);
}
export {
  bearerToken,
  presentedToken
};
//# sourceMappingURL=bearer-token.js.map
