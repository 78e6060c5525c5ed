import { errorCodes } from "../errors/codes.js";
const maxBodyBytes = 64 * 1024;
const forwardingHeaders = /* @__PURE__ */ new Set(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded", "x-request-id"]);
function createFetchHandler(app, options) {
  let warned = false;
  return async (request, info = {}) => {
    const url = new URL(request.url);
    if (!options.owns(url.pathname)) return errorResponse("not_found");
    if (request.bodyUsed) {
      throw new Error("Latchkey received a request whose body the host has already read: pass it to latchkey.fetch() before reading it (in Hono, before c.req.json())");
    }
    const peer = info.clientAddress || void 0;
    const peerKnown = peer !== void 0;
    if (!peerKnown && !warned) {
      warned = true;
      app.log.warn("latchkey.fetch() was called without { clientAddress }: every such request counts as one client for the rate limits and the sign-in throttle, so one client can exhaust them for all");
    }
    const headers = {};
    request.headers.forEach((value, name) => {
      if (!peerKnown && options.trustProxy !== true && forwardingHeaders.has(name)) return;
      headers[name] = value;
    });
    const body = request.body === null ? void 0 : await readBody(request, maxBodyBytes + 1);
    let response;
    try {
      response = await app.inject({
        method: request.method,
        url: `${url.pathname}${url.search}`,
        headers,
        ...body === void 0 ? {} : { payload: body },
        ...peer === void 0 ? {} : { remoteAddress: peer }
      });
    } catch (error) {
      if (error.code === "FST_ERR_REOPENED_CLOSE_SERVER") return errorResponse("temporarily_unavailable");
      throw error;
    }
    const answer = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === void 0 || name === "content-length" || name === "transfer-encoding" || name === "connection") continue;
      for (const one of Array.isArray(value) ? value : [String(value)]) answer.append(name, one);
    }
    const empty = response.statusCode === 204 || response.statusCode === 304 || request.method === "HEAD";
    return new Response(empty ? null : response.rawPayload, { status: response.statusCode, headers: answer });
  };
}
function errorResponse(code) {
  const { status, wire, description } = errorCodes[code];
  return new Response(JSON.stringify({ error: wire, error_description: description }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" }
  });
}
async function readBody(request, limit) {
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (; ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks);
}
export {
  createFetchHandler
};
//# sourceMappingURL=fetch-handler.js.map
