//# sourceMappingURL=identities.js.map
