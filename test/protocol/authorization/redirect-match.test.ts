import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redirectUriMatches } from '../../../src/protocol/authorization/redirect-match.js';

describe('redirectUriMatches', () => {
  const registered = ['http://127.0.0.1/cb', 'http://[::1]:8080/cb', 'https://app.example/cb'];

  it('matches a loopback redirect on any valid port (RFC 8252 §7.3)', () => {
    for (const uri of ['http://127.0.0.1:1/cb', 'http://127.0.0.1:65535/cb', 'http://127.0.0.1/cb', 'http://[::1]/cb', 'http://[::1]:49152/cb']) {
      assert.equal(redirectUriMatches(registered, uri), true, uri);
    }
  });

  it('refuses a loopback redirect whose port is not a port (0, above 65535), which no URL parser accepts', () => {
    for (const uri of ['http://127.0.0.1:99999/cb', 'http://127.0.0.1:65536/cb', 'http://127.0.0.1:0/cb', 'http://[::1]:70000/cb']) {
      assert.equal(redirectUriMatches(registered, uri), false, uri);
    }
  });

  it('matches anything else character for character only', () => {
    assert.equal(redirectUriMatches(registered, 'https://app.example/cb'), true);
    assert.equal(redirectUriMatches(registered, 'https://app.example:443/cb'), false);
    assert.equal(redirectUriMatches(registered, 'http://127.0.0.1/other'), false);
  });
});
