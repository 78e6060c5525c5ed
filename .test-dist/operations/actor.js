const cliActor = Object.freeze({ kind: "cli" });
function auditedBy(actor) {
  return actor.kind === "cli" ? { actor: "cli", ip: null } : { actor: `admin:${actor.username}`, ip: actor.ip };
}
export {
  auditedBy,
  cliActor
};
//# sourceMappingURL=actor.js.map
