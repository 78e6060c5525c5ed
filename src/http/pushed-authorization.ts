import { createHash } from 'node:crypto';
import { AuthorizationPageError } from '../protocol/authorization/authorization-request.js';
import type { AuthorizationDecision } from '../protocol/authorization/authorization-decision.js';
import { takePushedRequest } from '../protocol/authorization/pushed-request.js';
import type { Clock } from '../ports/clock.js';
import type { PushedRequestStore } from '../ports/pushed-requests.js';
import type { PurposeSigner } from './signed-values.js';

/**
 * The parameter that marks a request's parameters as those of a pushed request. The `request_uri` is used once,
 * at the first `/authorize`; the request then resumes after sign-in as `/authorize?<its parameters>` (from the
 * login form, the upstream provider's callback or a host app's sign-in), which must still count as pushed where
 * pushing is required.
 */
const markParam = 'latchkey_pushed';

/** As long as a pending authorization request may wait for the user (pending-authorization.ts). */
const markLifetimeMs = 10 * 60_000;

/** The query `/authorize` decides, and whether it was pushed (RFC 9126). */
export type ResolvedQuery = { query: Record<string, string>; pushed: boolean };

/**
 * Resolves `/authorize`'s query: a `request_uri` is replaced by the parameters pushed for it, marked so that the
 * request still counts as pushed when it resumes after sign-in. `signer` must be the one of the `pushed-request`
 * purpose. The mark covers every parameter but `prompt` (which the resume after `prompt=login` drops), so
 * changing any of them makes the request one that was not pushed.
 */
export function pushedAuthorizations(signer: PurposeSigner, context: { pushedRequests: Pick<PushedRequestStore, 'take'>; clock: Clock }) {
  const mark = (params: Record<string, string>): Record<string, string> => ({
    ...params,
    [markParam]: signer.sign(`${context.clock.now() + markLifetimeMs}.${paramsDigest(params)}`),
  });
  const isMarked = (query: Record<string, string>): boolean => {
    const value = query[markParam] === undefined ? undefined : signer.verify(query[markParam]);
    if (value === undefined) return false;
    const [expires, digest] = value.split('.');
    return Number(expires) > context.clock.now() && digest === paramsDigest(query);
  };
  return {
    /** The query to decide, or the error page when its `request_uri` cannot be used. */
    async resolve(query: Record<string, string>): Promise<ResolvedQuery | AuthorizationDecision> {
      if (query['request_uri'] === undefined) return { query, pushed: isMarked(query) };
      try {
        return { query: mark(await takePushedRequest(query, context)), pushed: true };
      } catch (error) {
        if (error instanceof AuthorizationPageError) return { kind: 'error-page', error: error.code, description: error.description };
        throw error;
      }
    },
  };
}

/** SHA-256 of the parameters but the mark and `prompt`, in a canonical order. */
function paramsDigest(params: Record<string, string>): string {
  const entries = Object.entries(params)
    .filter(([name]) => name !== markParam && name !== 'prompt')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url');
}
