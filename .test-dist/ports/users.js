//# sourceMappingURL=users.js.map
