function auditCounterKeys(event) {
  const grantType = event.data["grant_type"];
  return event.type === "token.issued" && typeof grantType === "string" ? [event.type, `${event.type}:${grantType}`] : [event.type];
}
export {
  auditCounterKeys
};
//# sourceMappingURL=audit-events.js.map
