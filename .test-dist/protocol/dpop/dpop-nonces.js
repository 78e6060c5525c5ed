import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
const dpopNonceStepSeconds = 300;
function createDpopNonces(secret) {
  const key = Buffer.from(hkdfSync("sha256", secret, "", "latchkey dpop nonce", 32));
  const mac = (step) => createHmac("sha256", key).update(String(step)).digest().subarray(0, 16).toString("base64url");
  const stepOf = (nowMs) => Math.floor(nowMs / 1e3 / dpopNonceStepSeconds);
  const nonceOf = (step) => `${step.toString(36)}.${mac(step)}`;
  return {
    current: (nowMs) => nonceOf(stepOf(nowMs)),
    accepts(nonce, nowMs) {
      const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
      if (!match) return false;
      const step = parseInt(match[1], 36);
      const now = stepOf(nowMs);
      if (step !== now && step !== now - 1) return false;
      return timingSafeEqual(Buffer.from(match[2]), Buffer.from(mac(step)));
    }
  };
}
export {
  createDpopNonces,
  dpopNonceStepSeconds
};
//# sourceMappingURL=dpop-nonces.js.map
