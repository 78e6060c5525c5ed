import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
const generationOptions = {
  ES256: {},
  RS256: { modulusLength: 2048 },
  EdDSA: { crv: "Ed25519" }
};
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
async function generateSigningKey(alg, now) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...generationOptions[alg], extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  return {
    kid,
    alg,
    publicJwk: { ...exported, kid, alg, use: "sig" },
    privateJwk: await exportJWK(privateKey),
    createdAt: now,
    retiredAt: null,
    expiresAt: null
  };
}
function publicJwk(record) {
  const jwk = { ...record.publicJwk, kid: record.kid, alg: record.alg, use: "sig" };
  for (const member of privateMembers) delete jwk[member];
  return jwk;
}
function isUnexpired(record, now) {
  return record.expiresAt === null || record.expiresAt > now;
}
function currentKeyOf(records, now) {
  return records.find((record) => record.retiredAt === null && isUnexpired(record, now));
}
export {
  currentKeyOf,
  generateSigningKey,
  isUnexpired,
  publicJwk
};
//# sourceMappingURL=jwks.js.map
