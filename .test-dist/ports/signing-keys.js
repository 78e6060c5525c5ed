//# sourceMappingURL=signing-keys.js.map
