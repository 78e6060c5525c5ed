//# sourceMappingURL=authorization-decision.js.map
