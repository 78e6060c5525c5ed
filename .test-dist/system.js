import { randomFillSync, randomUUID } from "node:crypto";
const systemClock = { now: () => Date.now() };
const pool = Buffer.alloc(8192);
let offset = pool.length;
function take(bytes) {
  if (bytes > pool.length) return randomFillSync(Buffer.alloc(bytes));
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const slice = Buffer.from(pool.subarray(offset, offset + bytes));
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return slice;
}
const systemRandom = {
  token: (bytes) => take(bytes).toString("base64url"),
  uuid: () => randomUUID(),
  timeOrderedUuid: (nowMs) => uuidV7(nowMs, take(10))
};
function uuidV7(nowMs, random) {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.max(0, Math.min(Math.trunc(nowMs), 281474976710655)), 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 112 | bytes[6] & 15;
  bytes[8] = 128 | bytes[8] & 63;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
export {
  systemClock,
  systemRandom,
  uuidV7
};
//# sourceMappingURL=system.js.map
