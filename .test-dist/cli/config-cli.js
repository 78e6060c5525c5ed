//# sourceMappingURL=config-cli.js.map
