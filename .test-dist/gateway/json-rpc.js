const jsonRpcCodes = {
  parseError: -32700,
  invalidRequest: -32600,
  internalError: -32603,
  /** The upstream could not be reached, failed, or timed out. */
  upstreamUnavailable: -32e3,
  /** The session is unknown (or another caller's): start a new one. */
  sessionNotFound: -32001,
  /** The caller's token does not allow the call (tool-level scopes). */
  forbidden: -32003,
  /** Too many requests. */
  rateLimited: -32029
};
function messagesOf(body) {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.some((message) => typeof message !== "object" || message === null || Array.isArray(message))) return void 0;
  return list;
}
function requestsOf(messages) {
  return messages.filter((message) => typeof message["method"] === "string" && (typeof message["id"] === "string" || typeof message["id"] === "number"));
}
function answerId(body) {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const id = body["id"];
  return typeof id === "string" || typeof id === "number" ? id : null;
}
function jsonRpcError(id, code, message, data) {
  return { jsonrpc: "2.0", id, error: { code, message, ...data === void 0 ? {} : { data } } };
}
function isJsonRpcResponse(value) {
  if (typeof value !== "object" || value === null) return false;
  const message = value;
  return message["jsonrpc"] === "2.0" && "id" in message && ("result" in message || "error" in message) && !("method" in message);
}
export {
  answerId,
  isJsonRpcResponse,
  jsonRpcCodes,
  jsonRpcError,
  messagesOf,
  requestsOf
};
//# sourceMappingURL=json-rpc.js.map
