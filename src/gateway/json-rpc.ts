import type { JsonRpcResponse } from './gateway-request.js';

/**
 * The little of JSON-RPC 2.0 the gateway reads: the requests a POST carries (to find `tools/call` and
 * `tools/list`), and the error bodies it answers with itself, in the shape MCP agents already handle.
 *
 * @see https://www.jsonrpc.org/specification
 */

/** One JSON-RPC request of a POST body. */
export interface JsonRpcRequest {
  id: string | number;
  method: string;
  params?: Record<string, unknown>;
}

/** Error codes: JSON-RPC's own, and the implementation-defined server errors (-32000 to -32099) the gateway uses. */
export const jsonRpcCodes = {
  parseError: -32700,
  invalidRequest: -32600,
  internalError: -32603,
  /** The upstream could not be reached, failed, or timed out. */
  upstreamUnavailable: -32000,
  /** The session is unknown (or another caller's): start a new one. */
  sessionNotFound: -32001,
  /** The caller's token does not allow the call (tool-level scopes). */
  forbidden: -32003,
  /** Too many requests. */
  rateLimited: -32029,
} as const;

/**
 * The JSON-RPC messages of a body: one message, or the members of a batch. Anything else (not an object, an
 * empty batch) is undefined.
 */
export function messagesOf(body: unknown): Record<string, unknown>[] | undefined {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.some((message) => typeof message !== 'object' || message === null || Array.isArray(message))) return undefined;
  return list as Record<string, unknown>[];
}

/** The requests among `messages` (those with a `method` and an `id`; notifications and responses have none of both). */
export function requestsOf(messages: readonly Record<string, unknown>[]): JsonRpcRequest[] {
  return messages.filter((message): message is Record<string, unknown> & JsonRpcRequest =>
    typeof message['method'] === 'string' && (typeof message['id'] === 'string' || typeof message['id'] === 'number'));
}

/** The id to answer a body's error with: the single request's, else null. */
export function answerId(body: unknown): string | number | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const id = (body as Record<string, unknown>)['id'];
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export function jsonRpcError(id: string | number | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } };
}

/** Whether a value is a JSON-RPC response (a `result` or an `error`, and an `id`). */
export function isJsonRpcResponse(value: unknown): value is JsonRpcResponse {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return message['jsonrpc'] === '2.0' && 'id' in message && ('result' in message || 'error' in message) && !('method' in message);
}
