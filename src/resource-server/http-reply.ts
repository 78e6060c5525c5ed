/**
 * A framework-neutral answer: what the Express middleware writes to a Node response and the fetch guard turns
 * into a `Response`, so both send the same bytes.
 */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  /** JSON text. */
  body: string;
}

/** The reply as a web-standard `Response`. */
export function toResponse(reply: HttpReply): Response {
  return new Response(reply.body, { status: reply.status, headers: reply.headers });
}
