import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** What an ID-JAG says, all overridable; `undefined` leaves a claim out. */
export type IdJagClaims = Record<string, unknown>;

/**
 * A stand-in enterprise IdP for enterprise-managed authorization: an ES256 key pair whose public JWK Set is
 * served on a loopback port, minting Identity Assertion JWT Authorization Grants (ID-JAG) as an IdP's token
 * exchange would. Tests then present them at Latchkey's token endpoint.
 */
export interface EnterpriseIdp {
  issuer: string;
  /** `http://127.0.0.1:<port>/jwks`. */
  jwksUri: string;
  /** The public JWK Set, for an inline `jwks` configuration. */
  jwks: { keys: JWK[] };
  /** Mints an ID-JAG: `typ: oauth-id-jag+jwt`, ES256, 5 minutes, a fresh `jti`; `claims` and `header` override. */
  mint(claims: IdJagClaims, options?: { header?: Record<string, unknown>; key?: CryptoKey }): Promise<string>;
  /** A key pair of the same kind and `kid` that the JWK Set does not hold (an assertion forged with it must fail). */
  otherKey: CryptoKey;
  close(): Promise<void>;
}

export async function startEnterpriseIdp(issuer = 'https://idp.acme.example'): Promise<EnterpriseIdp> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const kid = 'acme-key-1';
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const server: Server = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    issuer,
    jwksUri: `http://127.0.0.1:${port}/jwks`,
    jwks,
    otherKey: other.privateKey,
    async mint(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { iss: issuer, jti: randomUUID(), iat: now, exp: now + 300, ...claims };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'oauth-id-jag+jwt', kid, ...options.header } as { alg: string }).sign(options.key ?? privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An unsigned JWT (`alg: none`) with these claims, as an attacker would send one. */
export function unsignedJwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', ...header })}.${part(claims)}.`;
}
