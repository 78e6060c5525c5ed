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
  if (token.length !== orderedLength) return digest;
  return Buffer.from(token.slice(0, 8), 'base64url').toString('hex') + digest;
}
