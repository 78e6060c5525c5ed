import { auditedBy } from "./actor.js";
async function rotateSigningKey(context, actor) {
  const { kid, alg, createdAt } = await context.keys.rotate();
  context.audit.record({ type: "key.rotated", ...auditedBy(actor), data: { kid, alg } });
  const retired = (await context.keys.listKeys()).filter((info) => info.status === "retired" && info.retiredAt === createdAt);
  return { key: { kid, alg, createdAt }, retired };
}
function listSigningKeys(context) {
  return context.keys.listKeys();
}
export {
  listSigningKeys,
  rotateSigningKey
};
//# sourceMappingURL=keys.js.map
