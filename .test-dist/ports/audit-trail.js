const noAudit = { record: () => {
} };
export {
  noAudit
};
//# sourceMappingURL=audit-trail.js.map
