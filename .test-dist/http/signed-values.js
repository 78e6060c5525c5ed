import { hkdfSync } from "node:crypto";
import { Signer } from "@fastify/cookie";
function purposeSigner(secret, purpose) {
  const key = Buffer.from(hkdfSync("sha256", secret, "", `latchkey signed value: ${purpose}`, 32));
  const signer = new Signer(key, "sha256");
  return {
    sign: (value) => signer.sign(value),
    verify(signed) {
      const unsigned = signer.unsign(signed);
      return unsigned.valid && unsigned.value !== null ? unsigned.value : void 0;
    }
  };
}
export {
  purposeSigner
};
//# sourceMappingURL=signed-values.js.map
