import pino, {} from "pino";
const secretFields = [
  "client_secret",
  "registration_access_token",
  "access_token",
  "refresh_token",
  "id_token",
  "code_verifier",
  "client_assertion",
  "initial_access_token",
  "initialAccessToken",
  "password",
  "passwordHash",
  "password_hash",
  "secret",
  "keyEncryptionKey",
  "oldKeyEncryptionKeys",
  "token",
  "authorization",
  "cookie"
];
const secretKeys = new Set(secretFields);
const secretHeaders = /* @__PURE__ */ new Set(["authorization", "cookie", "set-cookie"]);
const parameterHolders = /* @__PURE__ */ new Set(["body", "query", "params", "form"]);
const censor = "[redacted]";
function redactSecrets(fields) {
  let copy;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    let replaced = value;
    if (secretKeys.has(key) || key === "code") replaced = censor;
    else if (isObject(value)) replaced = redactNested(value, key === "headers", parameterHolders.has(key));
    if (replaced !== value) (copy ??= { ...fields })[key] = replaced;
  }
  return copy ?? fields;
}
function redactNested(fields, isHeaders, isParameters) {
  let copy;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    let replaced = value;
    if (secretKeys.has(key) || isHeaders && secretHeaders.has(key) || isParameters && key === "code") replaced = censor;
    else if (key === "headers" && isObject(value)) replaced = redactHeaders(value);
    if (replaced !== value) (copy ??= cloneKeepingKind(fields))[key] = replaced;
  }
  return copy ?? fields;
}
function redactHeaders(headers) {
  let copy;
  for (const name of secretHeaders) {
    if (Object.hasOwn(headers, name) && headers[name] !== void 0) (copy ??= { ...headers })[name] = censor;
  }
  return copy ?? headers;
}
function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function cloneKeepingKind(fields) {
  if (!(fields instanceof Error)) return { ...fields };
  const copy = Object.create(Object.getPrototypeOf(fields));
  for (const key of Object.getOwnPropertyNames(fields)) copy[key] = fields[key];
  return copy;
}
const secretQueryParameter = /([?&](?:code|code_verifier|client_secret|client_assertion|registration_access_token|access_token|refresh_token|id_token|token|password)=)[^&#]*/gi;
function redactUrl(url) {
  return url.includes("?") ? url.replace(secretQueryParameter, "$1[redacted]") : url;
}
const serializers = {
  /** The fields of a request that Fastify logs (its own list), with the URL's secrets redacted; anything else as it is. */
  req: (request) => typeof request?.url !== "string" ? request : {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort
  }
};
const formatters = { log: (fields) => redactSecrets(fields) };
function createLogger(level, destination) {
  return pino({ level, formatters, serializers }, destination);
}
function withRedaction(logger) {
  return logger.child({}, { formatters, serializers });
}
export {
  createLogger,
  redactSecrets,
  redactUrl,
  withRedaction
};
//# sourceMappingURL=logger.js.map
