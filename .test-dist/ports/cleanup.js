//# sourceMappingURL=cleanup.js.map
