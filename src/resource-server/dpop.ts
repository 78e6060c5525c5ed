import { base64url, calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK } from 'jose';
import { ResourceServerError } from './resource-server-error.js';

/** The proof algorithms accepted, as Latchkey's `dpop_signing_alg_values_supported`: asymmetric only (RFC 9449 §4.2). */
export const dpopAlgorithms = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'];

/** How far a proof's `iat` may be from now, either way, in seconds; a `jti` is remembered for as long. */
const windowSeconds = 60;
const maxProofLength = 8192;
const maxJtiLength = 256;
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The request a DPoP proof must be for, as the framework adapters read it. */
export interface DpopRequest {
  /** Every `DPoP` header value of the request (a repeated header is refused). */
  proof: string | readonly string[] | null | undefined;
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The URL the client sent the request to, without query (`htu`). */
  url: string;
}

/**
 * The URL a request reached, as its client named it: the configured resource's origin (what clients know this
 * server by, whatever a proxy in front rewrote) and the request's path, without query or fragment.
 */
export function requestUrl(resource: string, pathAndQuery: string): string {
  const url = new URL(pathAndQuery, resource);
  return `${new URL(resource).origin}${url.pathname}`;
}

/**
 * Checks that a verified access token was presented as its binding asks (RFC 9449 §7): a token bound to a key
 * (`cnf.jkt`) only with the `DPoP` scheme and a valid proof by that key for this request (`htm`, `htu`, `iat`,
 * `ath`, a `jti` not seen before by this process); an unbound token only as a bearer token. `jti`s are kept in a
 * bounded in-memory cache until their proof could no longer be accepted: the resource server has no database,
 * so a proof replayed at another instance within the window is not seen.
 */
export function createDpopChecker(clock: { now(): number }, maxEntries = 10_000) {
  const seen = new Map<string, number>();

  function remember(key: string, until: number, now: number): boolean {
    const known = seen.get(key);
    if (known !== undefined && known > now) return false;
    if (seen.size >= maxEntries) {
      for (const [k, expires] of seen) if (expires <= now) seen.delete(k);
      // Still full of live entries: forget the oldest, as a bounded cache must.
      if (seen.size >= maxEntries) seen.delete(seen.keys().next().value!);
    }
    seen.set(key, until);
    return true;
  }

  return async function checkBinding(
    token: string,
    scheme: 'Bearer' | 'DPoP',
    claims: { cnf?: unknown },
    request: DpopRequest | undefined,
    needed: readonly string[],
  ): Promise<void> {
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    const bound = typeof jkt === 'string';
    if (scheme === 'Bearer') {
      if (bound) throw refused('invalid_token', 'The access token is bound to a DPoP key: send it with the DPoP scheme and a proof.', needed);
      return;
    }
    if (!bound) throw refused('invalid_token', 'The access token is not bound to a DPoP key: send it as a bearer token.', needed);
    const proof = singleProof(request?.proof, needed);
    if (request === undefined || proof === undefined) throw refused('invalid_dpop_proof', 'A DPoP proof is required with the DPoP scheme.', needed);
    const now = clock.now();
    const payload = await verifiedPayload(proof, now, needed);
    const { jti, htm, htu, iat, ath } = payload.claims;
    if (typeof jti !== 'string' || jti === '' || jti.length > maxJtiLength) throw refused('invalid_dpop_proof', 'The DPoP proof has no usable jti.', needed);
    if (htm !== request.method) throw refused('invalid_dpop_proof', 'The DPoP proof is for another HTTP method.', needed);
    if (typeof htu !== 'string' || normalized(htu) !== normalized(request.url)) throw refused('invalid_dpop_proof', 'The DPoP proof is for another URL.', needed);
    if (typeof iat !== 'number' || Math.abs(now / 1000 - iat) > windowSeconds) throw refused('invalid_dpop_proof', 'The DPoP proof is too old or from the future.', needed);
    if (ath !== (await accessTokenHash(token))) throw refused('invalid_dpop_proof', 'The DPoP proof is not for this access token.', needed);
    if ((await calculateJwkThumbprint(payload.jwk, 'sha256')) !== jkt) throw refused('invalid_token', 'The access token is bound to another key than the DPoP proof.', needed);
    if (!remember(`${jkt}:${jti}`, (iat + windowSeconds + 1) * 1000, now)) throw refused('invalid_dpop_proof', 'The DPoP proof was already used.', needed);
  };
}

/** `ath`: the base64url SHA-256 of the access token (RFC 9449 §4.2), with Web Crypto. */
async function accessTokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

function singleProof(values: DpopRequest['proof'], needed: readonly string[]): string | undefined {
  const list = (typeof values === 'string' || values == null ? [values] : values).filter((value): value is string => Boolean(value));
  if (list.length > 1 || list.some((value) => value.includes(','))) throw refused('invalid_dpop_proof', 'Send exactly one DPoP header.', needed);
  return list[0];
}

/** RFC 9449 §4.3, checks 2 to 8: a JWT of `typ: dpop+jwt`, an asymmetric alg, signed by the public key in its header. */
async function verifiedPayload(proof: string, now: number, needed: readonly string[]): Promise<{ claims: Record<string, unknown>; jwk: JWK }> {
  if (proof.length > maxProofLength) throw refused('invalid_dpop_proof', 'The DPoP proof is too long.', needed);
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: dpopAlgorithms,
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      currentDate: new Date(now),
    });
    const jwk = protectedHeader.jwk as JWK;
    if (privateMembers.some((member) => member in jwk)) throw refused('invalid_dpop_proof', 'The DPoP proof must carry a public key.', needed);
    return { claims: payload, jwk };
  } catch (error) {
    if (error instanceof ResourceServerError) throw error;
    // DOMException: Web Crypto refusing the proof's key (a point off its curve, `key_ops` without `verify`).
    if (error instanceof errors.JOSEError || error instanceof TypeError || error instanceof DOMException) {
      throw new ResourceServerError('invalid_dpop_proof', 'The DPoP proof is not valid.', needed, { cause: error, scheme: 'DPoP' });
    }
    throw error;
  }
}

function normalized(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url) return undefined;
  url.search = '';
  url.hash = '';
  return url.href;
}

function refused(code: 'invalid_token' | 'invalid_dpop_proof', description: string, needed: readonly string[]): ResourceServerError {
  return new ResourceServerError(code, description, needed, { scheme: 'DPoP' });
}

/** The `DPoP` challenge (RFC 9449 §7.1) that names the algorithms; the error of a DPoP refusal goes on it. */
export function dpopChallenge(error: { code: string; description: string } | undefined, quotable: (value: string) => string): string {
  const params = [`algs="${dpopAlgorithms.join(' ')}"`];
  if (error) params.push(`error="${error.code}"`, `error_description="${quotable(error.description)}"`);
  return `DPoP ${params.join(', ')}`;
}
