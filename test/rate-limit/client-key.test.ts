import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitKey } from '../../src/rate-limit/client-key.js';

describe('rateLimitKey', () => {
  for (const [ip, key] of [
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ] as const) {
    it(`counts ${ip} as ${key}`, () => assert.equal(rateLimitKey(ip), key));
  }

  it('puts two addresses of one /64 under one key and addresses of two /64s under two', () => {
    assert.equal(rateLimitKey('2001:db8:a:b::1'), rateLimitKey('2001:db8:a:b:ffff:ffff:ffff:ffff'));
    assert.notEqual(rateLimitKey('2001:db8:a:b::1'), rateLimitKey('2001:db8:a:c::1'));
  });
});
