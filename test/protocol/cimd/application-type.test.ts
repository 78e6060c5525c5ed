import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import type { ClientMetadata } from '../../../src/ports/client-metadata.js';
import { validateMetadataDocument } from '../../../src/protocol/cimd/validate-document.js';
import { validateClientMetadata } from '../../../src/protocol/registration/validate-metadata.js';

/**
 * `application_type` (OIDC Registration §2) and the redirects it goes with, for metadata documents as for
 * registrations: the same document, registered as a public client at `/register` and published at its URL, is
 * accepted with the same `application_type`, or refused with the same error.
 */

const config = loadConfig({ env: {}, overrides: {} });
const url = 'https://agent.example.com/oauth/client.json';

/** What each path makes of the fields: the application_type, or the error code and description. */
function outcome(run: () => ClientMetadata): string {
  try {
    return `accepted ${run().application_type}`;
  } catch (error) {
    assert.ok(error instanceof OAuthError, String(error));
    return `refused ${error.code}: ${error.description}`;
  }
}

const cases: [string, Record<string, unknown>, string][] = [
  ['native with a loopback redirect', { application_type: 'native', redirect_uris: ['http://127.0.0.1/callback'] }, 'accepted native'],
  ['native with localhost and [::1] on any port', { application_type: 'native', redirect_uris: ['http://localhost:3000/cb', 'http://[::1]:8080/cb'] }, 'accepted native'],
  ['native with a private-use scheme', { application_type: 'native', redirect_uris: ['com.example.agent:/callback'] }, 'accepted native'],
  ['native with a claimed https redirect (RFC 8252 §7.2)', { application_type: 'native', redirect_uris: ['https://agent.example.com/cb'] }, 'accepted native'],
  ['web with an https redirect', { application_type: 'web', redirect_uris: ['https://agent.example.com/cb'] }, 'accepted web'],
  ['no application_type with an https redirect', { redirect_uris: ['https://agent.example.com/cb'] }, 'accepted web'],
  ['no application_type with a loopback redirect', { redirect_uris: ['http://127.0.0.1/cb'] }, 'accepted native'],
  ['web with a loopback redirect (only an app on the device can receive it)', { application_type: 'web', redirect_uris: ['http://127.0.0.1/cb'] }, 'accepted native'],
  ['web with a private-use scheme', { application_type: 'web', redirect_uris: ['com.example.agent:/cb'] }, 'accepted native'],
  ['native with http on another host', { application_type: 'native', redirect_uris: ['http://agent.example.com/cb'] }, 'refused invalid_redirect_uri'],
  ['web with http on another host', { application_type: 'web', redirect_uris: ['http://agent.example.com/cb'] }, 'refused invalid_redirect_uri'],
  ['native with a forbidden scheme', { application_type: 'native', redirect_uris: ['javascript:alert(1)'] }, 'refused invalid_redirect_uri'],
  ['an application_type other than native or web', { application_type: 'browser', redirect_uris: ['https://agent.example.com/cb'] }, 'refused invalid_client_metadata'],
  ['an application_type that is not a string', { application_type: 1, redirect_uris: ['https://agent.example.com/cb'] }, 'refused invalid_client_metadata'],
];

describe('application_type of metadata documents, as registration has it', () => {
  for (const [what, fields, expected] of cases) {
    it(`${what}: ${expected}`, () => {
      const asDocument = outcome(() => validateMetadataDocument(url, { client_id: url, client_name: 'Agent', ...fields }, config));
      const asRegistration = outcome(() => validateClientMetadata({ client_name: 'Agent', token_endpoint_auth_method: 'none', ...fields }, { ...config.registration, profile: 'default' }));
      assert.ok(asDocument.startsWith(expected), asDocument);
      assert.equal(asDocument, asRegistration, 'the document gets what a registration of the same metadata gets');
    });
  }
});
