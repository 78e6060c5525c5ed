import { createHash, timingSafeEqual } from "node:crypto";
function digestSecret(secret) {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}
function secretMatches(presented, digest) {
  if (digest === null) return false;
  const expected = Buffer.from(digest, "base64url");
  const actual = createHash("sha256").update(presented, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
export {
  digestSecret,
  secretMatches
};
//# sourceMappingURL=secrets.js.map
