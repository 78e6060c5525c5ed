import { KeyObject, sign } from "node:crypto";
function createTokenSigner(keys) {
  const signingKeys = /* @__PURE__ */ new WeakMap();
  const headers = /* @__PURE__ */ new Map();
  function signingKeyOf(key, alg) {
    let signing = signingKeys.get(key);
    if (!signing) {
      signing = { key: KeyObject.from(key), ...algorithmOptions(alg) };
      signingKeys.set(key, signing);
    }
    return signing;
  }
  function encodedHeader(alg, kid, typ) {
    const cacheKey = `${alg} ${kid} ${typ}`;
    let header = headers.get(cacheKey);
    if (!header) {
      if (headers.size > 64) headers.clear();
      header = Buffer.from(JSON.stringify({ alg, kid, typ })).toString("base64url");
      headers.set(cacheKey, header);
    }
    return header;
  }
  return {
    async sign(claims, typ) {
      const { kid, alg, key } = await keys.signingKey();
      const signingInput = `${encodedHeader(alg, kid, typ)}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
      const { key: keyObject, digest, ecdsaBytes } = signingKeyOf(key, alg);
      const signature = sign(digest, Buffer.from(signingInput), keyObject);
      const encoded = ecdsaBytes === void 0 ? signature : derToRaw(signature, ecdsaBytes);
      return `${signingInput}.${encoded.toString("base64url")}`;
    }
  };
}
function algorithmOptions(alg) {
  switch (alg) {
    case "ES256":
      return { digest: "sha256", ecdsaBytes: 32 };
    case "RS256":
      return { digest: "sha256" };
    case "EdDSA":
      return { digest: null };
    default:
      throw new TypeError(`unsupported signing algorithm ${alg}`);
  }
}
function derToRaw(der, size) {
  const raw = Buffer.alloc(size * 2);
  let offset = der[1] & 128 ? 2 + (der[1] & 127) : 2;
  for (let part = 0; part < 2; part++) {
    if (der[offset] !== 2) throw new Error("not a DER ECDSA signature");
    const length = der[offset + 1];
    let start = offset + 2;
    let bytes = length;
    while (bytes > size && der[start] === 0) {
      start++;
      bytes--;
    }
    if (bytes > size) throw new Error("not a DER ECDSA signature");
    der.copy(raw, part * size + (size - bytes), start, start + bytes);
    offset += 2 + length;
  }
  return raw;
}
export {
  createTokenSigner,
  derToRaw
};
//# sourceMappingURL=token-signer.js.map
