const unlimited = { consume: async () => ({ allowed: true }) };
export {
  unlimited
};
//# sourceMappingURL=limiter.js.map
