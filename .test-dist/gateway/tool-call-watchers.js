const maxKnownTools = 500;
const maxToolNameLength = 128;
const maxAuditedArgumentsLength = 4096;
function recordToolCall(context, call, outcome, extra = {}) {
  const tool = toolName(call.request);
  const durationMs = Math.max(0, context.now() - call.startedAt);
  const data = { tool, outcome, duration_ms: Math.round(durationMs), ...extra };
  if (context.gateway.auditArguments) data["arguments"] = JSON.stringify(call.request.params?.["arguments"] ?? {}).slice(0, maxAuditedArgumentsLength);
  context.audit.record({ type: "gateway.tool_called", userId: call.caller.userId, clientId: call.caller.clientId, ip: call.ip, data });
  context.metrics?.observeToolCall(context.knownTools.has(tool) ? tool : "other", outcome, durationMs / 1e3);
}
function toolName(request) {
  const name = request.params?.["name"];
  return typeof name === "string" ? name.slice(0, maxToolNameLength) : "";
}
function watchToolRequests(context, requests, call, answered) {
  const watchers = /* @__PURE__ */ new Map();
  for (const request of requests) {
    if (request.method === "tools/call") {
      watchers.set(request.id, (response) => {
        answered.add(request.id);
        recordToolCall(context, { ...call, request }, outcomeOf(response));
      });
    } else if (request.method === "tools/list") {
      watchers.set(request.id, (response) => {
        answered.add(request.id);
        return listed(context, response, call.granted);
      });
    }
  }
  return watchers;
}
function outcomeOf(response) {
  if (response.error !== void 0) return "error";
  return response.result?.["isError"] === true ? "tool_error" : "ok";
}
function listed(context, response, granted) {
  const tools = response.result?.["tools"];
  if (!Array.isArray(tools)) return void 0;
  for (const tool of tools) {
    if (typeof tool?.name === "string" && tool.name.length <= maxToolNameLength && context.knownTools.size < maxKnownTools) context.knownTools.add(tool.name);
  }
  if (context.gateway.toolList !== "permitted") return void 0;
  const permitted = tools.filter((tool) => typeof tool?.name === "string" && context.toolScopes.missingFor(tool.name, granted).length === 0);
  return { ...response, result: { ...response.result, tools: permitted } };
}
export {
  recordToolCall,
  toolName,
  watchToolRequests
};
//# sourceMappingURL=tool-call-watchers.js.map
