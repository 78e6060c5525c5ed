//# sourceMappingURL=clock.js.map
