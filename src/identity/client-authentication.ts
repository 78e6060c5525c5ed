import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { importJWK, importPKCS8, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import type { IdentityProvider } from '../config/identity.js';

/** How Latchkey proves to a provider that it is the client: a shared secret, or a private key (RFC 7523). */
export type ClientCredential =
  | { type: 'secret'; secret: string }
  | { type: 'private_key_jwt'; keyText: string; keyFile: string; kid: string | null; alg: string | null };

/**
 * Reads the provider's credential: the secret as configured or from its file (a trailing newline dropped), or the
 * private key file's text. Runs when the clients are built, so a missing file stops the server at start.
 */
export function readClientCredential(provider: IdentityProvider, readFile: (path: string) => string): ClientCredential {
  const where = `identity provider "${provider.id}"`;
  const read = (path: string, what: string): string => {
    try {
      return readFile(path);
    } catch (error) {
      throw new Error(`${where}: cannot read the ${what} file ${path} (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  if (provider.privateKeyJwt) {
    const { keyFile, kid, alg } = provider.privateKeyJwt;
    const keyText = read(keyFile, 'private key');
    checkPrivateKey(keyText, `${where}: the private key file ${keyFile}`);
    return { type: 'private_key_jwt', keyText, keyFile, kid, alg };
  }
  const secret = provider.clientSecret ?? read(provider.clientSecretFile!, 'client secret').replace(/\r?\n$/, '');
  if (secret === '') throw new Error(`${where}: the client secret file ${provider.clientSecretFile} is empty`);
  return { type: 'secret', secret };
}

/** Parses the key once, synchronously, so that an unusable key file stops the server at start. */
function checkPrivateKey(text: string, where: string): void {
  const trimmed = text.trim();
  try {
    const key = trimmed.startsWith('{') ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' }) : createPrivateKey(trimmed);
    if (key.type !== 'private') throw new Error('not a private key');
  } catch (error) {
    throw new Error(`${where} is not a usable private key: a PKCS#8 PEM or a private JWK (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The JWS algorithm for a key that names none: RS256 for RSA, ES256/384/512 by curve, Ed25519 for EdDSA keys. */
function defaultAlg(type: string | undefined, curve: string | undefined): string | undefined {
  if (type === 'rsa' || type === 'RSA') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  if (type === 'ed25519' || (type === 'OKP' && curve === 'Ed25519')) return 'Ed25519';
  return { 'P-256': 'ES256', prime256v1: 'ES256', 'P-384': 'ES384', secp384r1: 'ES384', 'P-521': 'ES512', secp521r1: 'ES512' }[curve ?? ''];
}

/** The private key in a PEM (PKCS#8) or JWK file, as a non-extractable CryptoKey with its `kid`. */
export async function importPrivateKey(credential: Extract<ClientCredential, { type: 'private_key_jwt' }>): Promise<oauth.PrivateKey> {
  const fail = (why: string): never => {
    throw new Error(`the private key file ${credential.keyFile} ${why}`);
  };
  const text = credential.keyText.trim();
  if (text.startsWith('{')) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
    } catch {
      return fail('is neither a PEM nor valid JWK JSON');
    }
    if (typeof jwk.d !== 'string') fail('holds a public JWK: a private key (with "d") is needed');
    const alg = credential.alg ?? jwk.alg ?? defaultAlg(jwk.kty, jwk.crv) ?? fail(`holds a JWK of an unsupported type (${jwk.kty})`);
    const key = await importJWK({ ...jwk, ext: false }, alg);
    if (key instanceof Uint8Array) return fail('holds a symmetric key');
    const kid = credential.kid ?? jwk.kid;
    return kid === undefined ? { key } : { key, kid };
  }
  if (!text.startsWith('-----BEGIN PRIVATE KEY-----')) fail('must be a PKCS#8 PEM ("BEGIN PRIVATE KEY"; convert with `openssl pkcs8 -topk8 -nocrypt`) or a JWK');
  let alg = credential.alg;
  if (alg === null) {
    const key = createPrivateKey(text);
    alg = defaultAlg(key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve) ?? fail(`holds an unsupported key type (${key.asymmetricKeyType})`);
  }
  return credential.kid === null ? { key: await importPKCS8(text, alg) } : { key: await importPKCS8(text, alg), kid: credential.kid };
}

/**
 * The client authentication for the token endpoint. A secret goes in HTTP Basic, the method every provider must
 * support (RFC 6749 §2.3.1), unless the provider lists only `client_secret_post`. A private key signs an assertion
 * whose `aud` is the issuer (RFC 7523bis); Microsoft Entra ID requires its token endpoint instead.
 */
export function clientAuthentication(credential: ClientCredential, as: oauth.AuthorizationServer, privateKey: oauth.PrivateKey | undefined): oauth.ClientAuth {
  if (credential.type === 'secret') {
    const methods = as.token_endpoint_auth_methods_supported;
    const postOnly = methods !== undefined && !methods.includes('client_secret_basic') && methods.includes('client_secret_post');
    return postOnly ? oauth.ClientSecretPost(credential.secret) : oauth.ClientSecretBasic(credential.secret);
  }
  const entra = URL.canParse(as.issuer) && new URL(as.issuer).hostname === 'login.microsoftonline.com';
  return oauth.PrivateKeyJwt(privateKey!, {
    [oauth.modifyAssertion]: (_header, payload) => {
      if (entra && as.token_endpoint) payload['aud'] = as.token_endpoint;
    },
  });
}
