/**
 * `fetch` for calls to upstream providers: a deadline for the whole exchange (headers and body) and a cap on the
 * body, so that a slow or hostile provider can hold neither a request nor memory. Any failure to get a response
 * becomes an {@link UpstreamUnreachableError}, which callers tell apart from a response they did not like.
 */

/** No answer, a too-slow one, or one too large to read. */
export class UpstreamUnreachableError extends Error {
  override readonly name = 'UpstreamUnreachableError';
}

export interface BoundedFetchOptions {
  /** Milliseconds for the whole exchange. */
  timeoutMs: number;
  /** The most bytes of a response body read; more fails the request. */
  maxBytes: number;
}

/** Status codes whose responses have no body (a Response with one cannot be built with a body). */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/** Wraps `fetchImpl` with {@link BoundedFetchOptions}; the Response it resolves has its body read already. */
export function boundedFetch(fetchImpl: typeof fetch, { timeoutMs, maxBytes }: BoundedFetchOptions): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const response = await fetchImpl(input, { ...init, signal });
      const body = await readCapped(response, maxBytes);
      return new Response(nullBodyStatuses.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (error) {
      if (error instanceof UpstreamUnreachableError) throw error;
      const why = deadline.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new UpstreamUnreachableError(`${hostOf(input)}: ${why}`);
    }
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new UpstreamUnreachableError(`the response is larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new UpstreamUnreachableError(`the response is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function hostOf(input: string | URL | Request): string {
  const text = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return URL.canParse(text) ? new URL(text).host : 'the provider';
}
