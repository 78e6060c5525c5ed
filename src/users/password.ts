/**
 * Password hashing for local users, with scrypt from `node:crypto`.
 *
 * This module lives in `users/`, not `protocol/`: hashing needs a fresh random salt on every call, and
 * `protocol/` takes no random bytes of its own (its randomness comes from a `RandomSource`, so that tests are
 * exact). A salt is not a protocol value any test needs to predict, so the simplest honest place for
 * `randomBytes(16)` is a module outside `protocol/`.
 *
 * Stored form: `scrypt$<N>$<r>$<p>$<salt>$<hash>`, salt and hash base64url. The cost parameters travel with
 * each hash, so they can be raised later: old hashes still verify with their own parameters, and
 * {@link passwordNeedsRehash} tells the login code to store a new hash the next time the password is known.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt's cost parameters, as stored in the hash string. */
export interface ScryptParams {
  /** CPU and memory cost: a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/**
 * The parameters of new hashes: N = 2^15, r = 8, p = 1, a 32-byte key and a 16-byte salt. This is the OWASP
 * Password Storage Cheat Sheet's scrypt setting (about 32 MiB and ~0.1 s per hash): slow and memory-hard
 * enough that a stolen database is expensive to attack on GPUs, fast enough that a login is not noticeably
 * delayed.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#scrypt
 * @see https://www.rfc-editor.org/rfc/rfc7914#section-2
 */
export const currentScryptParams: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const keyLength = 32;
const saltLength = 16;

/** The shortest and longest passwords accepted for new passwords, in characters (Unicode code points). */
export const passwordLength = Object.freeze({ min: 8, max: 1024 });

/**
 * Why `password` cannot be set as a new password, or `undefined` when it can. The rules are NIST SP 800-63B's:
 * a minimum length and no composition rules. The maximum bounds the work one login can cause.
 * @see https://pages.nist.gov/800-63-3/sp800-63b.html#memsecret
 */
export function validateNewPassword(password: string): string | undefined {
  const length = [...password].length;
  if (length === 0) return 'The password is empty.';
  if (length < passwordLength.min) return `The password is too short: it must have at least ${passwordLength.min} characters.`;
  if (length > passwordLength.max) return `The password is too long: it may have at most ${passwordLength.max} characters.`;
  return undefined;
}

/** Hashes `password` with a fresh random salt and {@link currentScryptParams}. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltLength);
  const hash = await derive(password, salt, keyLength, currentScryptParams);
  const { N, r, p } = currentScryptParams;
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/**
 * Whether `password` is the one behind `stored`, compared in constant time. The parameters are read from
 * `stored`, so hashes made with older parameters still verify. A malformed `stored` string (or one with
 * parameters outside sane bounds) resolves `false` rather than throwing: a corrupt row must not turn a
 * login into a server error, nor let anyone in.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(actual, parsed.hash);
}

/** Whether `stored` was made with other parameters than new hashes (or is unreadable), and should be replaced. */
export function passwordNeedsRehash(stored: string): boolean {
  const parsed = parseStoredHash(stored);
  if (!parsed) return true;
  const { N, r, p } = parsed.params;
  return (
    N !== currentScryptParams.N ||
    r !== currentScryptParams.r ||
    p !== currentScryptParams.p ||
    parsed.salt.length !== saltLength ||
    parsed.hash.length !== keyLength
  );
}

/**
 * A hash, with the current parameters, of a random password that was thrown away. A login for an unknown
 * username is checked against it, so that it costs one scrypt like a login for a real user: otherwise the
 * response time would tell which usernames exist. A test keeps its parameters equal to the current ones.
 */
export const dummyPasswordHash = 'scrypt$32768$8$1$XKESE2fS7a4rFkXQ2h7QDg$_uqawNLlv86G7Jo_jdRO7zmdFJng0wOcHaH53Q0xi10';

/**
 * Spends the time of one password check and resolves `false`: for a login whose username does not exist
 * (see {@link dummyPasswordHash}). It never resolves `true`, whatever the password.
 */
export async function dummyVerify(password: string): Promise<false> {
  await verifyPassword(password, dummyPasswordHash);
  return false;
}

/** Bounds on stored parameters, so that a corrupt or hostile row cannot make one login allocate gigabytes. */
const bounds = { logN: { min: 10, max: 20 }, r: { min: 1, max: 32 }, p: { min: 1, max: 16 }, bytes: { min: 16, max: 64 } };
const maxMemoryBytes = 256 * 1024 * 1024;

function parseStoredHash(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^[1-9]\d{0,9}$/.test(part) ? Number(part) : NaN)) as [number, number, number];
  const logN = Math.log2(N);
  if (!Number.isInteger(logN) || logN < bounds.logN.min || logN > bounds.logN.max) return undefined;
  if (!(r >= bounds.r.min && r <= bounds.r.max && p >= bounds.p.min && p <= bounds.p.max)) return undefined;
  if (128 * N * r > maxMemoryBytes) return undefined;
  const salt = decodeBase64url(parts[4]!);
  const hash = decodeBase64url(parts[5]!);
  if (!salt || !hash) return undefined;
  return { params: { N, r, p }, salt, hash };
}

function decodeBase64url(text: string): Buffer | undefined {
  // Buffer.from silently skips invalid characters, so the alphabet is checked first.
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length >= bounds.bytes.min && bytes.length <= bounds.bytes.max ? bytes : undefined;
}

/**
 * scrypt over the NFKC form of `password`: the same password typed on another keyboard or input method may
 * arrive in another Unicode form, and NIST SP 800-63B §5.1.1.2 asks verifiers to normalise.
 */
function derive(password: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    ...params,
    // Node's default limit (32 MiB) is just below what N = 2^15, r = 8 needs (128·N·r plus scrypt's buffers).
    maxmem: 2 * 128 * params.N * params.r + 128 * params.r * params.p,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
