import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canUnlinkIdentity, hasLocalPassword, providerName } from '../../src/users/sign-in-methods.js';

describe('sign-in methods', () => {
  for (const [hasPassword, localPasswords, identityCount, allowed] of [
    [false, true, 1, false],
    [false, false, 1, false],
    [true, false, 1, false],
    [true, true, 1, true],
    [false, true, 2, true],
    [false, false, 2, true],
    [true, true, 3, true],
  ] as const) {
    it(`${allowed ? 'allows' : 'refuses'} unlinking one of ${identityCount} identities (password: ${hasPassword}, local passwords: ${localPasswords})`, () => {
      assert.equal(canUnlinkIdentity({ hasPassword, localPasswords, identityCount }), allowed);
    });
  }

  it('reads a user created upstream (no hash) as having no password', () => {
    assert.equal(hasLocalPassword({ passwordHash: 'scrypt$32768$8$1$a$b' }), true);
    assert.equal(hasLocalPassword({ passwordHash: null }), false);
    assert.equal(hasLocalPassword({ passwordHash: '' }), false);
  });

  it("names a provider by its configured name, or by its id once it is not configured (or is the host app's)", () => {
    const methods = { providers: [{ id: 'google', name: 'Google' }] };
    assert.equal(providerName(methods, 'google'), 'Google');
    assert.equal(providerName(methods, 'host'), 'host');
  });
});
