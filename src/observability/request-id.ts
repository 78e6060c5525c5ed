import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The request ids taken from a proxy: short, and nothing that could break a log line or a header. */
const safeRequestId = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * How each request gets the id that its log lines carry (`reqId`) and its response sends back in
 * `X-Request-Id`. From a proxy the operator trusts (`trustProxy`: the peer of the connection is one), the proxy's
 * `X-Request-Id` is kept when it looks safe, so that one id follows a request through the proxy's logs and ours;
 * otherwise, and always from any other peer, a fresh UUID. A client that picks its own id could make its
 * requests' lines look like another's, so, like `X-Forwarded-For`, the header is believed only from a trusted proxy.
 */
export function requestIdGenerator(trustedProxy: (address: string | undefined) => boolean): (request: IncomingMessage) => string {
  return (request) => {
    const header = request.headers['x-request-id'];
    return trustedProxy(request.socket?.remoteAddress) && typeof header === 'string' && safeRequestId.test(header) ? header : randomUUID();
  };
}
