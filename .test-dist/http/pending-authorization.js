const pendingLifetimeMs = 10 * 6e4;
function pendingAuthorizations(signer, clock) {
  return {
    seal: (query, shown) => signer.sign(Buffer.from(JSON.stringify({ query, shown, expires: clock.now() + pendingLifetimeMs })).toString("base64url")),
    /** The request, when `sealed` was signed here and has not expired; otherwise undefined. */
    open(sealed) {
      const value = sealed === void 0 ? void 0 : signer.verify(sealed);
      if (value === void 0) return void 0;
      const { query, shown, expires } = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
      return expires > clock.now() ? { query, shown } : void 0;
    }
  };
}
export {
  pendingAuthorizations
};
//# sourceMappingURL=pending-authorization.js.map
