//# sourceMappingURL=grants.js.map
