//# sourceMappingURL=token-signing.js.map
