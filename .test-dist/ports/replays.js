//# sourceMappingURL=replays.js.map
