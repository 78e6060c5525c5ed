import { isIPv6 } from "node:net";
function rateLimitKey(ip) {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("%")[0].split("::");
  const left = head === "" ? [] : head.split(":");
  const right = ip.includes("::") ? tail === "" ? [] : tail.split(":") : [];
  const groups = ip.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
export {
  rateLimitKey
};
//# sourceMappingURL=client-key.js.map
