class OperationError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
    this.name = "OperationError";
  }
  code;
}
export {
  OperationError
};
//# sourceMappingURL=operation-error.js.map
