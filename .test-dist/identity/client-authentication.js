import { createPrivateKey } from "node:crypto";
import { importJWK, importPKCS8 } from "jose";
import * as oauth from "oauth4webapi";
function readClientCredential(provider, readFile) {
  const where = `identity provider "${provider.id}"`;
  const read = (path, what) => {
    try {
      return readFile(path);
    } catch (error) {
      throw new Error(`${where}: cannot read the ${what} file ${path} (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  if (provider.privateKeyJwt) {
    const { keyFile, kid, alg } = provider.privateKeyJwt;
    const keyText = read(keyFile, "private key");
    checkPrivateKey(keyText, `${where}: the private key file ${keyFile}`);
    return { type: "private_key_jwt", keyText, keyFile, kid, alg };
  }
  const secret = provider.clientSecret ?? read(provider.clientSecretFile, "client secret").replace(/\r?\n$/, "");
  if (secret === "") throw new Error(`${where}: the client secret file ${provider.clientSecretFile} is empty`);
  return { type: "secret", secret };
}
function checkPrivateKey(text, where) {
  const trimmed = text.trim();
  try {
    const key = trimmed.startsWith("{") ? createPrivateKey({ key: JSON.parse(trimmed), format: "jwk" }) : createPrivateKey(trimmed);
    if (key.type !== "private") throw new Error("not a private key");
  } catch (error) {
    throw new Error(`${where} is not a usable private key: a PKCS#8 PEM or a private JWK (${error instanceof Error ? error.message : String(error)})`);
  }
}
function defaultAlg(type, curve) {
  if (type === "rsa" || type === "RSA") return "RS256";
  if (type === "rsa-pss") return "PS256";
  if (type === "ed25519" || type === "OKP" && curve === "Ed25519") return "Ed25519";
  return { "P-256": "ES256", prime256v1: "ES256", "P-384": "ES384", secp384r1: "ES384", "P-521": "ES512", secp521r1: "ES512" }[curve ?? ""];
}
async function importPrivateKey(credential) {
  const fail = (why) => {
    throw new Error(`the private key file ${credential.keyFile} ${why}`);
  };
  const text = credential.keyText.trim();
  if (text.startsWith("{")) {
    let jwk;
    try {
      jwk = JSON.parse(text);
    } catch {
      return fail("is neither a PEM nor valid JWK JSON");
    }
    if (typeof jwk.d !== "string") fail('holds a public JWK: a private key (with "d") is needed');
    const alg2 = credential.alg ?? jwk.alg ?? defaultAlg(jwk.kty, jwk.crv) ?? fail(`holds a JWK of an unsupported type (${jwk.kty})`);
    const key = await importJWK({ ...jwk, ext: false }, alg2);
    if (key instanceof Uint8Array) return fail("holds a symmetric key");
    const kid = credential.kid ?? jwk.kid;
    return kid === void 0 ? { key } : { key, kid };
  }
  if (!text.startsWith("-----BEGIN PRIVATE KEY-----")) fail('must be a PKCS#8 PEM ("BEGIN PRIVATE KEY"; convert with `openssl pkcs8 -topk8 -nocrypt`) or a JWK');
  let alg = credential.alg;
  if (alg === null) {
    const key = createPrivateKey(text);
    alg = defaultAlg(key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve) ?? fail(`holds an unsupported key type (${key.asymmetricKeyType})`);
  }
  return credential.kid === null ? { key: await importPKCS8(text, alg) } : { key: await importPKCS8(text, alg), kid: credential.kid };
}
function clientAuthentication(credential, as, privateKey) {
  if (credential.type === "secret") {
    const methods = as.token_endpoint_auth_methods_supported;
    const postOnly = methods !== void 0 && !methods.includes("client_secret_basic") && methods.includes("client_secret_post");
    return postOnly ? oauth.ClientSecretPost(credential.secret) : oauth.ClientSecretBasic(credential.secret);
  }
  const entra = URL.canParse(as.issuer) && new URL(as.issuer).hostname === "login.microsoftonline.com";
  return oauth.PrivateKeyJwt(privateKey, {
    [oauth.modifyAssertion]: (_header, payload) => {
      if (entra && as.token_endpoint) payload["aud"] = as.token_endpoint;
    }
  });
}
export {
  clientAuthentication,
  importPrivateKey,
  readClientCredential
};
//# sourceMappingURL=client-authentication.js.map
