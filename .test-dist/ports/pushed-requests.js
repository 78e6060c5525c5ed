//# sourceMappingURL=pushed-requests.js.map
