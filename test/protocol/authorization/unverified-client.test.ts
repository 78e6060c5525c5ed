import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isClaimableByLocalApps, isOnDeviceRedirect } from '../../../src/protocol/authorization/unverified-client.js';

describe('redirects to this device, and the metadata-document clients whose consent page warns of them', () => {
  it('counts loopback addresses, localhost names and private-use schemes as this device', () => {
    for (const uri of [
      'http://127.0.0.1/cb', 'http://127.0.0.1:7777/cb', 'http://127.1.2.3/cb', 'http://[::1]:8080/cb', 'http://localhost/cb', 'http://LOCALHOST:3000/cb',
      'https://localhost/cb', 'http://agent.localhost/cb', 'com.example.agent:/cb', 'myapp://callback',
    ]) {
      assert.equal(isOnDeviceRedirect(uri), true, uri);
    }
  });

  it('does not count web addresses, look-alikes of localhost, or what is not a URL', () => {
    for (const uri of ['https://app.example.com/cb', 'https://localhost.example.com/cb', 'https://127.0.0.1.example.com/cb', 'https://example.com/localhost', 'not a url']) {
      assert.equal(isOnDeviceRedirect(uri), false, uri);
    }
  });

  it('warns only for metadata-document clients', () => {
    assert.equal(isClaimableByLocalApps({ registrationSource: 'cimd' }, 'http://127.0.0.1:7777/cb'), true);
    assert.equal(isClaimableByLocalApps({ registrationSource: 'cimd' }, 'https://app.example.com/cb'), false);
    for (const source of ['dynamic', 'iat', 'software_statement', 'operator'] as const) {
      assert.equal(isClaimableByLocalApps({ registrationSource: source }, 'http://127.0.0.1:7777/cb'), false, source);
    }
  });
});
