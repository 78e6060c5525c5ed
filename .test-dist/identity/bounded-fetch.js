class UpstreamUnreachableError extends Error {
  name = "UpstreamUnreachableError";
}
const nullBodyStatuses = /* @__PURE__ */ new Set([101, 103, 204, 205, 304]);
function boundedFetch(fetchImpl, { timeoutMs, maxBytes }) {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      const response = await fetchImpl(input, { ...init, signal });
      const body = await readCapped(response, maxBytes);
      return new Response(nullBodyStatuses.has(response.status) ? null : body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers
      });
    } catch (error) {
      if (error instanceof UpstreamUnreachableError) throw error;
      const why = deadline.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.cause instanceof Error ? error.cause.message : error.message : String(error);
      throw new UpstreamUnreachableError(`${hostOf(input)}: ${why}`);
    }
  };
}
async function readCapped(response, maxBytes) {
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new UpstreamUnreachableError(`the response is larger than ${maxBytes} bytes`);
  }
  const chunks = [];
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
function hostOf(input) {
  const text = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return URL.canParse(text) ? new URL(text).host : "the provider";
}
export {
  UpstreamUnreachableError,
  boundedFetch
};
//# sourceMappingURL=bounded-fetch.js.map
