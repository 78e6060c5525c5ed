class UpstreamSignInError extends Error {
  constructor(reason, message, detail) {
    super(message);
    this.reason = reason;
    this.detail = detail;
  }
  reason;
  detail;
  name = "UpstreamSignInError";
}
function providerErrorText(error, description) {
  const clean = (value) => typeof value === "string" ? value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "").trim() : "";
  const code = clean(error).slice(0, 64) || "error";
  const said = clean(description);
  const text = said ? `${code}: ${said}` : code;
  return text.length > 200 ? `${text.slice(0, 199)}\u2026` : text;
}
export {
  UpstreamSignInError,
  providerErrorText
};
//# sourceMappingURL=upstream-client.js.map
