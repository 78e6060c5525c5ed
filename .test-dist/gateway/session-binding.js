import { createHmac, createSecretKey, hkdfSync, timingSafeEqual } from "node:crypto";
function createSessionBinding(secret) {
  const key = createSecretKey(Buffer.from(hkdfSync("sha256", secret, "", "latchkey gateway mcp-session-id binding", 32)));
  const mac = (id, caller) => createHmac("sha256", key).update(`${caller.userId}
${caller.clientId}
${id}`).digest().subarray(0, 18).toString("base64url");
  return {
    bind: (upstreamId, caller) => `${upstreamId}.${mac(upstreamId, caller)}`,
    unbind(presented, caller) {
      const dot = presented.lastIndexOf(".");
      if (dot <= 0) return void 0;
      const id = presented.slice(0, dot);
      const expected = Buffer.from(mac(id, caller));
      const given = Buffer.from(presented.slice(dot + 1));
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : void 0;
    }
  };
}
export {
  createSessionBinding
};
//# sourceMappingURL=session-binding.js.map
