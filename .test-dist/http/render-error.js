import { errorCodes } from "../errors/codes.js";
import { OAuthError } from "../errors/oauth-error.js";
import { StorageUnavailableError } from "../ports/storage.js";
import { dpopSigningAlgorithms } from "../protocol/dpop/dpop-proof.js";
const fastifyErrors = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new OAuthError("payload_too_large"),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new OAuthError("unsupported_media_type"),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new OAuthError("invalid_request", "the Content-Length does not match the body"),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new OAuthError("invalid_request", "the request body is empty"),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new OAuthError("invalid_request", "the request body is not valid JSON")
};
function toOAuthError(error) {
  if (error instanceof OAuthError) return error;
  if (error instanceof StorageUnavailableError) {
    return new OAuthError("temporarily_unavailable", "the service is temporarily unavailable; try again shortly", {
      cause: error,
      retryAfter: 5
    });
  }
  const code = error.code;
  const known = typeof code === "string" ? fastifyErrors[code] : void 0;
  if (known) return known();
  const status = error.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new OAuthError("invalid_request", void 0, { cause: error });
  }
  return new OAuthError("server_error", void 0, { cause: error });
}
function renderError(request, reply, thrown) {
  const error = toOAuthError(thrown);
  const { status, wire } = errorCodes[error.code];
  if (status >= 500) request.log.error({ err: error.cause ?? error, detail: error.detail }, "request failed");
  else request.log.info({ error: error.code, detail: error.detail ?? error.description }, "request refused");
  reply.code(status).header("cache-control", "no-store").header("pragma", "no-cache");
  if (error.retryAfter !== void 0) reply.header("retry-after", String(error.retryAfter));
  if (error.code === "invalid_client") {
    reply.header("www-authenticate", 'Basic realm="latchkey", charset="UTF-8"');
  } else if (status === 401 || error.code === "insufficient_scope") {
    const scheme = error.scheme === "DPoP" ? `DPoP algs="${dpopSigningAlgorithms.join(" ")}"` : "Bearer";
    const separator = error.scheme === "DPoP" ? ", " : " ";
    reply.header(
      "www-authenticate",
      error.tokenPresented ? `${scheme}${separator}error="${wire}", error_description="${error.description}"` : scheme
    );
  }
  if (error.code === "rate_limited") return reply.send({ errors: [error.description] });
  return reply.send({ error: wire, error_description: error.description });
}
export {
  renderError,
  toOAuthError
};
//# sourceMappingURL=render-error.js.map
