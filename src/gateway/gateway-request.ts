import type { IncomingMessage, ServerResponse } from 'node:http';

/** Who a gateway request is for: the verified access token's user, client and scope. */
export interface GatewayCaller {
  /** The token's `sub`: the Latchkey user id. */
  userId: string;
  /** The token's `client_id`. */
  clientId: string;
  /** The token's scopes, space-separated. */
  scope: string;
}

/** A JSON-RPC 2.0 response (`result`) or error response (`error`) to one request. */
export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * Called with the upstream's response to one request of a POST, before the caller gets it; returns a replacement
 * (a `tools/list` result with fewer tools), or nothing to pass the response on unchanged. It also tells the
 * gateway the outcome of a tool call.
 */
export type ResponseWatcher = (response: JsonRpcResponse) => JsonRpcResponse | void;

/** One authenticated Streamable HTTP request to the gateway path, handed to the upstream. */
export interface GatewayRequest {
  /** The request as Node received it: its headers (`mcp-session-id`, `last-event-id`, `mcp-protocol-version`, `accept`). */
  raw: IncomingMessage;
  /** The response to write: the gateway has handed it over (Fastify's `reply.hijack()`). */
  res: ServerResponse;
  /** The JSON-RPC body of a POST, parsed (a message or a batch); undefined for GET and DELETE. */
  body: unknown;
  caller: GatewayCaller;
  /** Watchers of this POST's responses, by JSON-RPC request id. */
  watchers: ReadonlyMap<string | number, ResponseWatcher>;
}
