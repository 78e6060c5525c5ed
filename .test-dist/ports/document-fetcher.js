class DocumentFetchError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "DocumentFetchError";
  }
}
export {
  DocumentFetchError
};
//# sourceMappingURL=document-fetcher.js.map
