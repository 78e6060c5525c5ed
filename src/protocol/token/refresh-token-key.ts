import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { sealedRefreshTokenKeyLength } from '../../ports/grants.js';
import { digestSecret } from '../secrets.js';

/**
 * Refresh tokens are stored under a key that sorts by issue time, so that the millions a year of rotations add
 * write to the end of the table's primary index instead of to a random page of it. A random key (the digest of a
 * random token) made every rotation dirty a page of its own somewhere in a large index, to be written to the
 * WAL and checkpointed again: at a million stored tokens a rotation wrote about 5× the bytes and ran at half the
 * speed of one with an ordered key (SQLite, measured with the storage's own statements).
 *
 * A token is 6 bytes of its issue time in milliseconds (big-endian), then 32 random bytes, base64url-encoded:
 * 51 characters whose first 8 are the time. The key is that time in hexadecimal (12 characters, ordered as the
 * time) followed by the SHA-256 digest of the whole token: the token itself is never stored, and the time it
 * reveals is its holder's own. The 256 random bits are what make a token unguessable, as before.
 *
 * Tokens issued before this format (32 random bytes, 43 characters) are still looked up by their digest alone,
 * which is what their key was.
 */
const timeBytes = 6;
const orderedLength = Math.ceil(((timeBytes + 32) * 4) / 3);

/** A new refresh token issued at `nowMs`, from 32 random bytes (base64url, as `RandomSource.token` returns them). */
export function orderedRefreshToken(nowMs: number, random: string): string {
  const bytes = Buffer.alloc(timeBytes);
  bytes.writeUIntBE(Math.max(0, Math.min(Math.trunc(nowMs), 0xffff_ffff_ffff)), 0, timeBytes);
  return bytes.toString('base64url') + random;
}

/** The key a refresh token is stored under (see above); any string gives a key, which matches no token but its own. */
export function refreshTokenKey(token: string): string {
  const digest = digestSecret(token);
  if (token.length === sealedLength) return Buffer.from(token.slice(0, 8), 'base64url').toString('hex') + sealedMark + digest;
  if (token.length !== orderedLength) return digest;
  return Buffer.from(token.slice(0, 8), 'base64url').toString('hex') + digest;
}

/**
 * Sealed refresh tokens: a token that says, under the server's MAC, which grant it belongs to and which
 * generation of that grant it is. Rotation (RFC 9700 §4.14.2) must recognise every retired token of a live grant,
 * so that a leaked token used by an attacker revokes the grant when the legitimate client presents its own,
 * older one (or the other way round). With tokens that say nothing, that meant keeping every retired token until
 * it expired: an agent rotating hourly kept 720 of them under the default 30-day lifetime. A sealed token that
 * is no longer stored but is authentic, of a grant whose newest stored generation is later than its own, is
 * such a retired token; so the stored ones can go once the reuse grace window is over (the retention sweep
 * deletes them), and a grant keeps only its live token.
 *
 * A token is base64url of: its issue time (6 bytes, as above), the grant's id (a UUID, 16 bytes), the generation
 * (4 bytes, big-endian), 32 random bytes, then the first 16 bytes of HMAC-SHA256 over all of these under a
 * server-wide secret: 74 bytes, 99 characters. Its key is the time in hexadecimal, `s`, and the digest of the
 * whole token: ordered as before, and 56 characters, a length no other key has (the `s` makes it so), which tells
 * the retention sweep which retired tokens it may delete. Nothing in the token is secret from its holder (the
 * grant id and generation are the holder's own), and the MAC means that no one can make a token that passes for a
 * retired one of a grant they do not hold: a forged one is refused and revokes nothing.
 */
const sealedMark = 's';
const grantIdBytes = 16;
const generationBytes = 4;
const randomPartBytes = 32;
const macBytes = 16;
const sealedBodyBytes = timeBytes + grantIdBytes + generationBytes + randomPartBytes;
const sealedLength = Math.ceil(((sealedBodyBytes + macBytes) * 4) / 3);

// What the stores select retired sealed tokens by (a key's length) must be this format's.
if (12 + sealedMark.length + 43 !== sealedRefreshTokenKeyLength) throw new Error('sealed refresh token keys changed length');

/** The server-wide MAC key of sealed refresh tokens (from the stored secret `refresh-token-seal`). */
export interface RefreshTokenSeal {
  /** A KeyObject made once: given raw bytes, createHmac imports them on every call (about 5× the MAC's own cost). */
  readonly key: KeyObject;
}

/** A {@link RefreshTokenSeal} from a stored secret (base64url, at least 32 bytes). */
export function refreshTokenSeal(secret: string): RefreshTokenSeal {
  const key = Buffer.from(secret, 'base64url');
  if (key.length < 32) throw new Error('the refresh token seal needs a secret of at least 32 bytes');
  return { key: createSecretKey(key) };
}

/** What a sealed token says of itself. */
export interface SealedRefreshToken {
  issuedAt: number;
  grantId: string;
  generation: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A new sealed refresh token (see above) of generation `generation` of grant `grantId`, from 32 random bytes
 * (base64url); `undefined` when the grant's id is not a UUID (grants of other origins), which then gets an
 * unsealed token ({@link orderedRefreshToken}).
 */
export function sealedRefreshToken(seal: RefreshTokenSeal, token: SealedRefreshToken, random: string): string | undefined {
  // Only the spelling the stores hold (lowercase, as ids are made): the token must name its grant exactly.
  const grantId = token.grantId;
  if (!uuidPattern.test(grantId) || !Number.isInteger(token.generation) || token.generation < 0 || token.generation > 0xffff_ffff) return undefined;
  const randomPart = Buffer.from(random, 'base64url');
  if (randomPart.length !== randomPartBytes) throw new Error('a sealed refresh token needs 32 random bytes');
  const body = Buffer.alloc(sealedBodyBytes);
  body.writeUIntBE(Math.max(0, Math.min(Math.trunc(token.issuedAt), 0xffff_ffff_ffff)), 0, timeBytes);
  body.write(grantId.replaceAll('-', ''), timeBytes, grantIdBytes, 'hex');
  body.writeUInt32BE(token.generation, timeBytes + grantIdBytes);
  randomPart.copy(body, timeBytes + grantIdBytes + generationBytes);
  return Buffer.concat([body, mac(seal, body)]).toString('base64url');
}

/** What a sealed token says, if `token` is one made under `seal` (compared in constant time); otherwise `undefined`. */
export function openSealedRefreshToken(seal: RefreshTokenSeal, token: string): SealedRefreshToken | undefined {
  if (token.length !== sealedLength || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  // Decoding drops the last character's two spare bits: only the one spelling made here is this token.
  if (bytes.length !== sealedBodyBytes + macBytes || bytes.toString('base64url') !== token) return undefined;
  const body = bytes.subarray(0, sealedBodyBytes);
  if (!timingSafeEqual(mac(seal, body), bytes.subarray(sealedBodyBytes))) return undefined;
  const hex = body.toString('hex', timeBytes, timeBytes + grantIdBytes);
  return {
    issuedAt: body.readUIntBE(0, timeBytes),
    grantId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    generation: body.readUInt32BE(timeBytes + grantIdBytes),
  };
}

function mac(seal: RefreshTokenSeal, body: Buffer): Buffer {
  return createHmac('sha256', seal.key).update(body).digest().subarray(0, macBytes);
}
