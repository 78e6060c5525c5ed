import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  currentScryptParams,
  dummyPasswordHash,
  dummyVerify,
  hashPassword,
  passwordNeedsRehash,
  validateNewPassword,
  verifyPassword,
} from '../../src/users/password.js';

/** A hash as an older version with other parameters would have stored it. */
function legacyHash(password: string, N: number, r: number, p: number): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N, r, p, maxmem: 256 * N * r });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

describe('hashPassword and verifyPassword', () => {
  it('stores scrypt with N=2^15, r=8, p=1, a 16-byte salt and a 32-byte key in the hash string', async () => {
    const stored = await hashPassword('correct horse battery');
    const [scheme, N, r, p, salt, hash] = stored.split('$');
    assert.deepEqual([scheme, N, r, p], ['scrypt', '32768', '8', '1']);
    assert.equal(Buffer.from(salt!, 'base64url').length, 16);
    assert.equal(Buffer.from(hash!, 'base64url').length, 32);
    assert.doesNotMatch(stored, /correct horse/);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', stored), true);
    assert.equal(await verifyPassword('correct horse batterY', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  it('salts every hash, so one password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    assert.notEqual(a, b);
  });

  it('verifies a hash made with other parameters, read from the string, and marks it for rehashing', async () => {
    const stored = legacyHash('old parameters', 2 ** 14, 8, 2);
    assert.equal(await verifyPassword('old parameters', stored), true);
    assert.equal(await verifyPassword('other password', stored), false);
    assert.equal(passwordNeedsRehash(stored), true);
  });

  it('does not mark a fresh hash for rehashing', async () => {
    assert.equal(passwordNeedsRehash(await hashPassword('fresh password')), false);
  });

  it('treats the Unicode forms of one password as the same password (NFKC)', async () => {
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    assert.equal(await verifyPassword(decomposed, await hashPassword(composed)), true);
  });

  const salt = Buffer.alloc(16, 1).toString('base64url');
  const key = Buffer.alloc(32, 2).toString('base64url');
  const malformed: [string, string][] = [
    ['an empty string', ''],
    ['a plain-text password', 'hunter2hunter2'],
    ['another scheme', `bcrypt$32768$8$1$${salt}$${key}`],
    ['too few fields', `scrypt$32768$8$1$${salt}`],
    ['too many fields', `scrypt$32768$8$1$${salt}$${key}$x`],
    ['N not a power of two', `scrypt$30000$8$1$${salt}$${key}`],
    ['N too large (memory exhaustion)', `scrypt$${2 ** 30}$8$1$${salt}$${key}`],
    ['N too small', `scrypt$2$8$1$${salt}$${key}`],
    ['N with a leading zero', `scrypt$032768$8$1$${salt}$${key}`],
    ['r of zero', `scrypt$32768$0$1$${salt}$${key}`],
    ['a negative p', `scrypt$32768$8$-1$${salt}$${key}`],
    ['a salt outside base64url', `scrypt$32768$8$1$${salt.slice(0, -2)}+/$${key}`],
    ['an empty hash', `scrypt$32768$8$1$${salt}$`],
    ['a hash too short to mean anything', `scrypt$32768$8$1$${salt}$AAAA`],
  ];
  for (const [what, stored] of malformed) {
    it(`resolves false, without throwing, for a stored hash with ${what}, and marks it for rehashing`, async () => {
      assert.equal(await verifyPassword('hunter2hunter2', stored), false);
      assert.equal(passwordNeedsRehash(stored), true);
    });
  }
});

describe('dummyVerify', () => {
  it('checks against a well-formed hash with the current parameters, so it costs a real scrypt', () => {
    assert.match(dummyPasswordHash, /^scrypt\$/);
    assert.equal(passwordNeedsRehash(dummyPasswordHash), false, 'update dummyPasswordHash when currentScryptParams change');
    assert.deepEqual(dummyPasswordHash.split('$').slice(1, 4).map(Number), [currentScryptParams.N, currentScryptParams.r, currentScryptParams.p]);
  });

  it('resolves false whatever the password', async () => {
    assert.equal(await dummyVerify('anything at all'), false);
    assert.equal(await dummyVerify(''), false);
  });
});

describe('validateNewPassword', () => {
  const cases: [string, string, RegExp | undefined][] = [
    ['an empty password', '', /empty/],
    ['7 characters', 'abcdefg', /at least 8 characters/],
    ['8 characters', 'abcdefgh', undefined],
    ['1024 characters', 'x'.repeat(1024), undefined],
    ['1025 characters', 'x'.repeat(1025), /at most 1024 characters/],
    ['8 emoji (counted as characters, not UTF-16 units)', '🔑'.repeat(8), undefined],
    ['7 emoji (14 UTF-16 units, still 7 characters)', '🔑'.repeat(7), /at least 8 characters/],
    ['spaces only, long enough (no composition rules)', '        ', undefined],
  ];
  for (const [what, password, expected] of cases) {
    it(`${expected ? 'refuses' : 'accepts'} ${what}`, () => {
      const problem = validateNewPassword(password);
      if (expected) assert.match(problem ?? '', expected);
      else assert.equal(problem, undefined);
    });
  }
});
