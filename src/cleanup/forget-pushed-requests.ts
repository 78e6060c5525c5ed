import type { PushedRequestStore } from '../ports/pushed-requests.js';

/**
 * Deletes the pushed authorization requests (RFC 9126) that expired before `/authorize` took them, in batches
 * so that no statement holds the database for long: an expired `request_uri` is refused anyway, and its row
 * only holds a client's request parameters. Resolves how many were deleted.
 */
export async function forgetExpiredPushedRequests(pushedRequests: Pick<PushedRequestStore, 'deleteExpired'>, now: number, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await pushedRequests.deleteExpired(now, batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
