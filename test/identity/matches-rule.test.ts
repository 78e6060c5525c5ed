import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIdentityRule } from '../../src/config/identity.js';
import { matchesRule } from '../../src/identity/matches-rule.js';
import type { UpstreamProfile } from '../../src/identity/upstream-client.js';

function profile(overrides: Partial<UpstreamProfile> = {}): UpstreamProfile {
  return { provider: 'corp', subject: 's-1', email: 'ada@example.com', emailVerified: true, name: null, username: null, groups: [], claims: {}, ...overrides };
}

describe('matchesRule', () => {
  const domain = parseIdentityRule({ emailDomains: ['example.com'] });

  it('matches a verified email at the domain, whatever its case', () => {
    assert.equal(matchesRule(domain, profile()), true);
    assert.equal(matchesRule(domain, profile({ email: 'Ada@EXAMPLE.com' })), true);
  });

  it('never matches an unverified email, by domain or by address', () => {
    assert.equal(matchesRule(domain, profile({ emailVerified: false })), false);
    assert.equal(matchesRule(parseIdentityRule({ emails: ['ada@example.com'] }), profile({ emailVerified: false })), false);
  });

  it('compares the domain whole: no suffix tricks, no subdomains', () => {
    for (const email of ['ada@evilexample.com', 'ada@sub.example.com', 'ada@example.com.evil.org', 'example.com@evil.org', 'ada@example.co']) {
      assert.equal(matchesRule(domain, profile({ email })), false, email);
    }
    // The domain is what follows the last "@": a quoted local part holding "@example.com" does not help.
    assert.equal(matchesRule(domain, profile({ email: '"x@example.com"@evil.org' })), false);
  });

  it('matches listed addresses case-insensitively', () => {
    const rule = parseIdentityRule({ emails: ['Boss@Example.com'] });
    assert.equal(matchesRule(rule, profile({ email: 'boss@example.COM' })), true);
    assert.equal(matchesRule(rule, profile({ email: 'boss2@example.com' })), false);
  });

  it('matches a string claim equal to a value, or a list claim holding one (groups)', () => {
    const rule = parseIdentityRule({ claim: { name: 'groups', values: ['admins', 'ops'] } });
    assert.equal(matchesRule(rule, profile({ claims: { groups: ['staff', 'ops'] } })), true);
    assert.equal(matchesRule(rule, profile({ claims: { groups: 'admins' } })), true);
    assert.equal(matchesRule(rule, profile({ claims: { groups: ['staff'] } })), false);
    assert.equal(matchesRule(rule, profile({ claims: { groups: 'Admins' } })), false, 'values are compared exactly');
    assert.equal(matchesRule(rule, profile({ claims: { groups: { admins: true } } })), false);
    assert.equal(matchesRule(rule, profile({ claims: {}, groups: ['admins'] })), false, 'the claim is read from the claims');
  });

  it('matches when any member matches; an empty rule matches nobody; anyone matches everybody', () => {
    const rule = parseIdentityRule({ emailDomains: ['corp.example'], claim: { name: 'hd', values: ['example.com'] } });
    assert.equal(matchesRule(rule, profile({ claims: { hd: 'example.com' } })), true);
    assert.equal(matchesRule(rule, profile()), false);
    assert.equal(matchesRule({}, profile()), false);
    assert.equal(matchesRule({ anyone: true }, profile({ email: null, emailVerified: false })), true);
  });

  it("matches a claim rule that names a provider only for that provider's claims", () => {
    const rule = parseIdentityRule({ claim: { name: 'groups', values: ['admins'], provider: 'corp' } });
    assert.equal(matchesRule(rule, profile({ claims: { groups: ['admins'] } })), true);
    // A GitLab group of that name, which anyone can create there, does not count.
    assert.equal(matchesRule(rule, profile({ provider: 'gitlab', claims: { groups: ['admins'] } })), false);
  });

  it('refuses a claim rule on an email claim, which would skip the verified-address check', () => {
    for (const name of ['email', 'email_verified', 'emails']) {
      assert.throws(() => parseIdentityRule({ claim: { name, values: ['boss@example.com'] } }), /use emails or emailDomains/);
    }
    assert.throws(() => parseIdentityRule({ claim: { name: 'groups', values: ['a'], provider: '' } }), /provider must be the id/);
  });
});
