//# sourceMappingURL=clients.js.map
