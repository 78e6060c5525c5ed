import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ReplayStore } from '../../ports/replays.js';
import type { Clock } from '../../ports/clock.js';
import type { DpopNonces } from './dpop-nonces.js';
import { thumbprintMembers, thumbprintOf } from './jwk-thumbprint.js';

/**
 * The proof algorithms accepted: asymmetric only (RFC 9449 §4.2 forbids `none` and MACs), those jose verifies
 * everywhere. RSA keys shorter than 2048 bits are refused by jose itself.
 */
export const dpopSigningAlgorithms = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'] as const;

/** How far `iat` may be from now, either way, in seconds (RFC 9449 §11.1 leaves the window to the server). */
export const dpopProofWindowSeconds = 60;

/** Longer than any honest proof (an RSA-4096 `jwk` included), short enough to refuse a hostile header unread. */
const maxProofLength = 8192;
const maxJtiLength = 256;
/** The members of a private or symmetric JWK: a proof's `jwk` must have none (RFC 9449 §4.3, check 7). */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The request a proof must be for. */
export interface DpopRequest {
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The endpoint's URL; its query and fragment are ignored, as `htu` has none. */
  url: string;
  /** The access token sent with the request, whose hash the proof must carry in `ath`. */
  accessToken?: string;
}

/** What checking a proof needs: the one-time store for `jti`, the clock, and the nonces when they are required. */
export interface DpopContext {
  replays: Pick<ReplayStore, 'useOnce'>;
  clock: Clock;
  /** When set, a proof must carry one of these nonces (`use_dpop_nonce` otherwise). */
  nonces?: DpopNonces | undefined;
}

/** A verified proof: the RFC 7638 SHA-256 thumbprint of its public key, which tokens are bound to (`cnf.jkt`). */
export interface VerifiedDpopProof {
  jkt: string;
}

/**
 * The single DPoP proof of a request, from every `DPoP` header value it carried: none is `undefined`; several
 * (RFC 9449 §4.3, check 1: "not more than one") is `invalid_dpop_proof`.
 */
export function singleDpopProof(values: string | readonly string[] | undefined): string | undefined {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  if (list.length > 1 || list.some((value) => value.includes(','))) throw new OAuthError('invalid_dpop_proof', 'send exactly one DPoP header');
  return list[0];
}

/**
 * Checks a DPoP proof JWT (RFC 9449 §4.3) for `request`: a JWT of `typ: dpop+jwt`, an asymmetric `alg`, signed
 * by the public `jwk` of its header; `htm` and `htu` naming this request; `iat` within the window; `ath` the
 * hash of the access token sent with it, if any; the server nonce when required; and a `jti` never seen before
 * (kept per key until the proof could no longer be accepted). The nonce is checked before the `jti` is spent,
 * so the retry a `use_dpop_nonce` asks for may reuse nothing but still starts clean.
 *
 * @throws {OAuthError} `invalid_dpop_proof`, or `use_dpop_nonce` when only the nonce is missing or stale
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export async function verifyDpopProof(proof: string, request: DpopRequest, context: DpopContext): Promise<VerifiedDpopProof> {
  if (proof.length > maxProofLength) throw invalid('the DPoP proof is too long');
  const now = context.clock.now();
  let payload: Record<string, unknown>;
  let jwk: JWK;
  let jkt: string;
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== 'dpop+jwt') throw invalid('the DPoP proof must have typ dpop+jwt');
    jwk = header.jwk as JWK;
    if (typeof jwk !== 'object' || jwk === null || privateMembers.some((member) => member in jwk)) {
      throw invalid('the DPoP proof must carry a public key in its jwk header');
    }
    if (typeof header.alg !== 'string' || !dpopSigningAlgorithms.includes(header.alg as (typeof dpopSigningAlgorithms)[number])) {
      throw invalid('the DPoP proof must be signed with an asymmetric algorithm');
    }
    const members = thumbprintMembers(jwk);
    if (members === undefined) throw invalid('the DPoP proof must carry a public EC, RSA or OKP key in its jwk header');
    jkt = thumbprintOf(members);
    // Verified with the header's own key, imported once per key and algorithm (a client proves with one key
    // on every request; importing it each time was a twentieth of a DPoP-bound refresh). Only the members the
    // thumbprint covers are imported, and a key is kept only once a proof verified with it: a sender's own
    // members (`key_ops: []`), or a proof that fails, cannot leave an unusable key under another client's thumbprint.
    const cacheKey = `${header.alg}:${jkt}`;
    const cached = proofKeys.get(cacheKey);
    const key = cached ?? (await proofKey(members, header.alg));
    const verified = await jwtVerify(proof, key, {
      typ: 'dpop+jwt',
      algorithms: [...dpopSigningAlgorithms],
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      currentDate: new Date(now),
    });
    if (cached === undefined) keepProofKey(cacheKey, key);
    payload = verified.payload;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    // DOMException: Web Crypto refusing the key (a point off its curve, a curve that is not the algorithm's).
    if (error instanceof errors.JOSEError || error instanceof TypeError || error instanceof DOMException) {
      throw invalid('the DPoP proof is not a valid signed JWT', error);
    }
    throw error;
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti === '' || jti.length > maxJtiLength) throw invalid('the DPoP proof has no usable jti');
  if (htm !== request.method) throw invalid('the DPoP proof is for another HTTP method (htm)');
  if (typeof htu !== 'string' || !sameTarget(htu, request.url)) throw invalid('the DPoP proof is for another URL (htu)');
  if (typeof iat !== 'number' || Math.abs(now / 1000 - iat) > dpopProofWindowSeconds) throw invalid('the DPoP proof is too old or from the future (iat)');
  if (request.accessToken !== undefined) {
    if (ath !== accessTokenHash(request.accessToken)) throw invalid('the DPoP proof is not for this access token (ath)');
  }
  if (context.nonces && (typeof nonce !== 'string' || !context.nonces.accepts(nonce, now))) {
    throw new OAuthError('use_dpop_nonce', 'the DPoP proof must carry the nonce of the DPoP-Nonce header');
  }
  const keptUntil = (iat + dpopProofWindowSeconds + 1) * 1000;
  if (!(await context.replays.useOnce(`dpop:${jkt}:${jti}`, keptUntil, now))) throw invalid('the DPoP proof was already used (jti)');
  return { jkt };
}

/** The public keys of recent proofs, by thumbprint and algorithm; the oldest goes when it is full. */
const proofKeys = new Map<string, CryptoKey>();
const maxProofKeys = 1000;

/** The header's public key (its thumbprint's members) as a key to verify with, refusing a private or symmetric one. */
async function proofKey(members: Record<string, string>, alg: string): Promise<CryptoKey> {
  const key = await importJWK({ ...members, alg }, alg);
  if (key instanceof Uint8Array || key.type !== 'public') throw invalid('the DPoP proof must carry a public key in its jwk header');
  return key;
}

/** Keeps a key a proof was verified with; the oldest goes when the cache is full. */
function keepProofKey(cacheKey: string, key: CryptoKey): void {
  if (proofKeys.size >= maxProofKeys) proofKeys.delete(proofKeys.keys().next().value!);
  proofKeys.set(cacheKey, key);
}

/** `ath`: the base64url SHA-256 of the access token (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/** RFC 9449 §4.3, check 9: `htu` and the request URL, both without query and fragment, compared normalized. */
function sameTarget(htu: string, url: string): boolean {
  const normalized = (value: string) => {
    const parsed = URL.parse(value);
    if (!parsed) return undefined;
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  };
  const expected = normalized(url);
  return expected !== undefined && normalized(htu) === expected;
}

function invalid(description: string, cause?: unknown): OAuthError {
  return new OAuthError('invalid_dpop_proof', description, cause === undefined ? {} : { cause });
}
