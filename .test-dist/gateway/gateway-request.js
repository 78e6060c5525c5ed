//# sourceMappingURL=gateway-request.js.map
