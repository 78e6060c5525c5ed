import { createHmac, createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { GatewayCaller } from './gateway-request.js';

/**
 * Binds an HTTP upstream's MCP session ids to the user and client that started the session, with no state: the
 * agent gets `<upstream id>.<MAC of user, client and id>`, and a request naming a session is forwarded only when
 * the MAC matches the caller's token. A valid token of another user (or client) cannot ride a session id it
 * learnt, and every gateway instance sharing the database's secret accepts the ids of the others.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices#session-hijacking
 */
export interface SessionBinding {
  /** The id to give the agent for the upstream's `upstreamId`. */
  bind(upstreamId: string, caller: GatewayCaller): string;
  /** The upstream's id inside `presented`, when it was bound to this caller; undefined otherwise. */
  unbind(presented: string, caller: GatewayCaller): string | undefined;
}

export function createSessionBinding(secret: string): SessionBinding {
  // A KeyObject made once: createHmac would otherwise import the raw key on every call.
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', secret, '', 'latchkey gateway mcp-session-id binding', 32)));
  const mac = (id: string, caller: GatewayCaller) =>
    createHmac('sha256', key).update(`${caller.userId}\n${caller.clientId}\n${id}`).digest().subarray(0, 18).toString('base64url');
  return {
    bind: (upstreamId, caller) => `${upstreamId}.${mac(upstreamId, caller)}`,
    unbind(presented, caller) {
      const dot = presented.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const id = presented.slice(0, dot);
      const expected = Buffer.from(mac(id, caller));
      const given = Buffer.from(presented.slice(dot + 1));
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
    },
  };
}
