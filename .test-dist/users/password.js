import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
const currentScryptParams = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const keyLength = 32;
const saltLength = 16;
const passwordLength = Object.freeze({ min: 8, max: 1024 });
function validateNewPassword(password) {
  const length = [...password].length;
  if (length === 0) return "The password is empty.";
  if (length < passwordLength.min) return `The password is too short: it must have at least ${passwordLength.min} characters.`;
  if (length > passwordLength.max) return `The password is too long: it may have at most ${passwordLength.max} characters.`;
  return void 0;
}
async function hashPassword(password) {
  const salt = randomBytes(saltLength);
  const hash = await derive(password, salt, keyLength, currentScryptParams);
  const { N, r, p } = currentScryptParams;
  return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}
async function verifyPassword(password, stored) {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(actual, parsed.hash);
}
function passwordNeedsRehash(stored) {
  const parsed = parseStoredHash(stored);
  if (!parsed) return true;
  const { N, r, p } = parsed.params;
  return N !== currentScryptParams.N || r !== currentScryptParams.r || p !== currentScryptParams.p || parsed.salt.length !== saltLength || parsed.hash.length !== keyLength;
}
const dummyPasswordHash = "scrypt$32768$8$1$XKESE2fS7a4rFkXQ2h7QDg$_uqawNLlv86G7Jo_jdRO7zmdFJng0wOcHaH53Q0xi10";
async function dummyVerify(password) {
  await verifyPassword(password, dummyPasswordHash);
  return false;
}
const bounds = { logN: { min: 10, max: 20 }, r: { min: 1, max: 32 }, p: { min: 1, max: 16 }, bytes: { min: 16, max: 64 } };
const maxMemoryBytes = 256 * 1024 * 1024;
function parseStoredHash(stored) {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return void 0;
  const [N, r, p] = parts.slice(1, 4).map((part) => /^[1-9]\d{0,9}$/.test(part) ? Number(part) : NaN);
  const logN = Math.log2(N);
  if (!Number.isInteger(logN) || logN < bounds.logN.min || logN > bounds.logN.max) return void 0;
  if (!(r >= bounds.r.min && r <= bounds.r.max && p >= bounds.p.min && p <= bounds.p.max)) return void 0;
  if (128 * N * r > maxMemoryBytes) return void 0;
  const salt = decodeBase64url(parts[4]);
  const hash = decodeBase64url(parts[5]);
  if (!salt || !hash) return void 0;
  return { params: { N, r, p }, salt, hash };
}
function decodeBase64url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return void 0;
  const bytes = Buffer.from(text, "base64url");
  return bytes.length >= bounds.bytes.min && bytes.length <= bounds.bytes.max ? bytes : void 0;
}
function derive(password, salt, length, params) {
  const options = {
    ...params,
    // Node's default limit (32 MiB) is just below what N = 2^15, r = 8 needs (128·N·r plus scrypt's buffers).
    maxmem: 2 * 128 * params.N * params.r + 128 * params.r * params.p
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, length, options, (error, key) => error ? reject(error) : resolve(key));
  });
}
export {
  currentScryptParams,
  dummyPasswordHash,
  dummyVerify,
  hashPassword,
  passwordLength,
  passwordNeedsRehash,
  validateNewPassword,
  verifyPassword
};
//# sourceMappingURL=password.js.map
