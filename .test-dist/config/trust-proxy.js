import { BlockList, isIP } from "node:net";
const namedRanges = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
};
function parseRange(text) {
  const [address, prefixText, extra] = text.split("/");
  if (extra !== void 0 || address === void 0) return void 0;
  const version = isIP(address);
  if (version === 0 || address.includes("%")) return void 0;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== void 0 && !/^\d{1,3}$/.test(prefixText)) return void 0;
  const prefix = prefixText === void 0 ? max : Number(prefixText);
  return prefix <= max ? { address, prefix, family: version === 4 ? "ipv4" : "ipv6" } : void 0;
}
function parseTrustProxy(value) {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  const list = typeof value === "string" ? value.split(",").map((item) => item.trim()).filter(Boolean) : value;
  if (!Array.isArray(list)) return void 0;
  const ranges = [];
  for (const item of list) {
    if (typeof item !== "string") return void 0;
    for (const range of namedRanges[item.trim().toLowerCase()] ?? [item.trim()]) {
      if (!parseRange(range)) return void 0;
      ranges.push(range);
    }
  }
  return ranges.length > 0 ? ranges : false;
}
function trustedProxy(trust) {
  if (typeof trust === "boolean") return () => trust;
  const list = new BlockList();
  for (const entry of trust) {
    const range = parseRange(entry);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return (address) => {
    const version = address === void 0 ? 0 : isIP(address);
    if (version === 0) return false;
    try {
      return list.check(address, version === 4 ? "ipv4" : "ipv6");
    } catch {
      return false;
    }
  };
}
export {
  parseTrustProxy,
  trustedProxy
};
//# sourceMappingURL=trust-proxy.js.map
