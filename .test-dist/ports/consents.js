//# sourceMappingURL=consents.js.map
