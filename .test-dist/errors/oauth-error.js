import { errorCodes } from "./codes.js";
class OAuthError extends Error {
  code;
  description;
  detail;
  retryAfter;
  tokenPresented;
  scheme;
  constructor(code, description, options = {}) {
    const text = description ?? errorCodes[code].description;
    super(text, options.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "OAuthError";
    this.code = code;
    this.description = text;
    this.detail = options.detail;
    this.retryAfter = options.retryAfter;
    this.tokenPresented = options.tokenPresented ?? true;
    this.scheme = options.scheme ?? "Bearer";
  }
  get status() {
    return errorCodes[this.code].status;
  }
}
export {
  OAuthError
};
//# sourceMappingURL=oauth-error.js.map
