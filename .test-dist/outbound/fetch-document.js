import { lookup as dnsLookup } from "node:dns";
import { request } from "node:https";
import { BlockList, isIP } from "node:net";
import { DocumentFetchError } from "../ports/document-fetcher.js";
const privateAddresses = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4]
]) privateAddresses.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["3fff::", 20],
  ["5f00::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8]
]) privateAddresses.addSubnet(network, prefix, "ipv6");
const ipv4Embedding = new BlockList();
for (const network of ["::ffff:0:0", "::ffff:0:0:0", "64:ff9b::"]) ipv4Embedding.addSubnet(network, 96, "ipv6");
const metadataServices = new BlockList();
metadataServices.addAddress("169.254.169.254", "ipv4");
metadataServices.addAddress("fd00:ec2::254", "ipv6");
function refusedAddress(address, allowPrivateAddresses) {
  const plain = address.replace(/%.*$/, "");
  const family = isIP(plain);
  if (family === 0) return "is not an IP address";
  if (family === 6 && ipv4Embedding.check(plain, "ipv6")) return refusedAddress(embeddedIpv4(plain), allowPrivateAddresses);
  const type = family === 4 ? "ipv4" : "ipv6";
  if (metadataServices.check(plain, type)) return "is a cloud metadata service address";
  if (!allowPrivateAddresses && privateAddresses.check(plain, type)) return "is a loopback, private, link-local or other special-use address";
  return void 0;
}
function embeddedIpv4(address) {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = "", tail] = canonical.split("::");
  const groups = tail === void 0 ? head.split(":") : [...head.split(":"), ...Array(8).fill("0"), ...tail.split(":")].filter(Boolean);
  const [high, low] = groups.slice(-2).map((group) => parseInt(group, 16));
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}
function guardedLookup(allowPrivateAddresses) {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const refused = addresses.find((a) => refusedAddress(a.address, allowPrivateAddresses) !== void 0);
      if (refused || addresses.length === 0) {
        return callback(new DocumentFetchError("its host resolves to an address that may not be fetched from"), "", 0);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
async function fetchDocument(url, options) {
  const target = URL.canParse(url) ? new URL(url) : void 0;
  if (target?.protocol !== "https:") throw new DocumentFetchError("only https URLs are fetched");
  const literal = target.hostname.replace(/^\[|\]$/g, "");
  const refused = isIP(literal) ? refusedAddress(literal, options.allowPrivateAddresses) : void 0;
  if (refused) throw new DocumentFetchError(`its host ${refused}`);
  return new Promise((resolve, reject) => {
    const fail = (message, cause) => {
      clearTimeout(timer);
      req.destroy();
      reject(cause instanceof DocumentFetchError ? cause : new DocumentFetchError(message, { cause }));
    };
    const req = request(target, {
      method: "GET",
      headers: { accept: "application/json", "user-agent": "Latchkey (client metadata document fetcher)" },
      // A fresh connection per fetch, so that every fetch goes through the guarded lookup.
      agent: false,
      lookup: guardedLookup(options.allowPrivateAddresses),
      ...options.ca === void 0 ? {} : { ca: options.ca }
    });
    const timer = setTimeout(() => fail(`it took longer than ${options.timeoutMs} ms`), options.timeoutMs);
    req.once("socket", (socket) => {
      socket.once("connect", () => {
        const problem = refusedAddress(socket.remoteAddress ?? "", options.allowPrivateAddresses);
        if (problem) fail(`the address connected to ${problem}`);
      });
    });
    req.once("error", (error) => fail("it could not be fetched", error));
    req.once("response", (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) return fail(`it answered with a redirect (HTTP ${status}), which is not followed`);
      if (status !== 200) return fail(`it answered with HTTP status ${status}, not 200`);
      const type = (response.headers["content-type"] ?? "").split(";", 1)[0].trim().toLowerCase();
      if (!/^application\/(?:[\w.+-]+\+)?json$/.test(type)) return fail(`its content type is ${type || "missing"}, not application/json`);
      const encoding = response.headers["content-encoding"];
      if (encoding !== void 0 && encoding !== "identity") return fail("it is sent with a content encoding, which was not asked for");
      const declared = Number(response.headers["content-length"] ?? 0);
      if (declared > options.maxBytes) return fail(`it is larger than ${options.maxBytes} bytes`);
      const chunks = [];
      let size = 0;
      response.on("data", (chunk) => {
        size += chunk.length;
        if (size > options.maxBytes) return fail(`it is larger than ${options.maxBytes} bytes`);
        chunks.push(chunk);
      });
      response.once("error", (error) => fail("the response was cut off", error));
      response.once("end", () => {
        clearTimeout(timer);
        try {
          resolve({ body: new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)), headers: response.headers });
        } catch (error) {
          reject(new DocumentFetchError("it is not valid UTF-8", { cause: error }));
        }
      });
    });
    req.end();
  });
}
export {
  fetchDocument,
  refusedAddress
};
//# sourceMappingURL=fetch-document.js.map
