const statusOf = { missing_token: 401, invalid_token: 401, invalid_dpop_proof: 401, insufficient_scope: 403, temporarily_unavailable: 503 };
class ResourceServerError extends Error {
  constructor(code, description, scopes = [], options) {
    super(description, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.code = code;
    this.description = description;
    this.scopes = scopes;
    this.name = "ResourceServerError";
    this.scheme = options?.scheme ?? "Bearer";
  }
  code;
  description;
  scopes;
  /** The scheme the refusal concerns: `DPoP` when the token or its proof was (challenge with `DPoP algs=…`). */
  scheme;
}
export {
  ResourceServerError,
  statusOf
};
//# sourceMappingURL=resource-server-error.js.map
