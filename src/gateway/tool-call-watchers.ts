import type { GatewayConfig } from '../config/gateway.js';
import type { Metrics } from '../observability/metrics.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { GatewayCaller, JsonRpcResponse, ResponseWatcher } from './gateway-request.js';
import type { JsonRpcRequest } from './json-rpc.js';
import type { ToolScopes } from './tool-scopes.js';

/** How a tool call through the gateway ended. */
export type ToolCallOutcome = 'ok' | 'tool_error' | 'error' | 'refused' | 'rate_limited' | 'upstream_failed' | 'no_response';

/** What the gateway needs to watch one POST's responses and record its tool calls. */
export interface ToolCallContext {
  gateway: Pick<GatewayConfig, 'toolList' | 'auditArguments'>;
  toolScopes: ToolScopes;
  audit: AuditTrail;
  metrics: Metrics | undefined;
  /** Tool names the upstream's `tools/list` showed: the only ones named in metrics (callers choose names). */
  knownTools: Set<string>;
  now(): number;
}

const maxKnownTools = 500;
const maxToolNameLength = 128;
const maxAuditedArgumentsLength = 4096;

/**
 * Records one tool call: an audit event (`gateway.tool_called`: the tool, the outcome, the duration, the user and
 * client, the arguments only with `gateway.auditArguments`) and the metrics, where the tool is named only when a
 * `tools/list` showed it.
 */
export function recordToolCall(
  context: ToolCallContext,
  call: { request: JsonRpcRequest; caller: GatewayCaller; ip: string; startedAt: number },
  outcome: ToolCallOutcome,
  extra: Record<string, unknown> = {},
): void {
  const tool = toolName(call.request);
  const durationMs = Math.max(0, context.now() - call.startedAt);
  const data: Record<string, unknown> = { tool, outcome, duration_ms: Math.round(durationMs), ...extra };
  if (context.gateway.auditArguments) data['arguments'] = JSON.stringify(call.request.params?.['arguments'] ?? {}).slice(0, maxAuditedArgumentsLength);
  context.audit.record({ type: 'gateway.tool_called', userId: call.caller.userId, clientId: call.caller.clientId, ip: call.ip, data });
  context.metrics?.observeToolCall(context.knownTools.has(tool) ? tool : 'other', outcome, durationMs / 1000);
}

/** A `tools/call`'s tool name, cut to a bounded length (it is the caller's text). */
export function toolName(request: JsonRpcRequest): string {
  const name = request.params?.['name'];
  return typeof name === 'string' ? name.slice(0, maxToolNameLength) : '';
}

/**
 * The watchers of one POST: each `tools/call` records its outcome when its response comes; each `tools/list`
 * teaches the gateway the tool names and, with `gateway.toolList: "permitted"`, loses the tools the token
 * cannot call. `answered` collects the ids whose response came.
 */
export function watchToolRequests(
  context: ToolCallContext,
  requests: readonly JsonRpcRequest[],
  call: { caller: GatewayCaller; ip: string; granted: ReadonlySet<string>; startedAt: number },
  answered: Set<string | number>,
): Map<string | number, ResponseWatcher> {
  const watchers = new Map<string | number, ResponseWatcher>();
  for (const request of requests) {
    if (request.method === 'tools/call') {
      watchers.set(request.id, (response) => {
        answered.add(request.id);
        recordToolCall(context, { ...call, request }, outcomeOf(response));
      });
    } else if (request.method === 'tools/list') {
      watchers.set(request.id, (response) => {
        answered.add(request.id);
        return listed(context, response, call.granted);
      });
    }
  }
  return watchers;
}

function outcomeOf(response: JsonRpcResponse): ToolCallOutcome {
  if (response.error !== undefined) return 'error';
  return response.result?.['isError'] === true ? 'tool_error' : 'ok';
}

/** Learns the listed names; returns the list without the tools the token cannot call, when so configured. */
function listed(context: ToolCallContext, response: JsonRpcResponse, granted: ReadonlySet<string>): JsonRpcResponse | undefined {
  const tools = response.result?.['tools'];
  if (!Array.isArray(tools)) return undefined;
  for (const tool of tools as Array<{ name?: unknown }>) {
    if (typeof tool?.name === 'string' && tool.name.length <= maxToolNameLength && context.knownTools.size < maxKnownTools) context.knownTools.add(tool.name);
  }
  if (context.gateway.toolList !== 'permitted') return undefined;
  const permitted = tools.filter((tool: { name?: unknown }) => typeof tool?.name === 'string' && context.toolScopes.missingFor(tool.name, granted).length === 0);
  return { ...response, result: { ...response.result, tools: permitted } };
}
