class InitialAccessTokenUnusableError extends Error {
  constructor() {
    super("the initial access token can no longer be used");
    this.name = "InitialAccessTokenUnusableError";
  }
}
export {
  InitialAccessTokenUnusableError
};
//# sourceMappingURL=initial-access-tokens.js.map
