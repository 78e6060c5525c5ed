import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { createServices } from '../../src/compose.js';

const google = { preset: 'google', clientId: 'id.apps.googleusercontent.com', clientSecret: 'secret' };
const github = { preset: 'github', clientId: 'Iv1.abc', clientSecret: 'secret' };

/** The identity settings taken together (the rules each member's parser cannot see alone). */
describe('identity configuration', () => {
  it('refuses providers with an allow rule that names nobody: the safe default lets nobody in, so say so at start', () => {
    assert.throws(() => loadConfig({ overrides: { 'identity.providers': [google] } }), (error: unknown) => error instanceof ConfigError && /identity\.allow names nobody/.test(error.message));
    const config = loadConfig({ overrides: { 'identity.providers': [google], 'identity.allow': { anyone: true } } });
    assert.equal(config.identity.providers[0]?.id, 'google');
  });

  it('refuses anyone as an administrator', () => {
    assert.throws(() => loadConfig({ overrides: { 'identity.admins': { anyone: true } } }), /identity\.admins\.anyone is not allowed/);
  });

  it('makes a claim rule name its provider when there are several, and only a configured one', () => {
    const allow = { claim: { name: 'groups', values: ['staff'] } };
    assert.throws(() => loadConfig({ overrides: { 'identity.providers': [google, github], 'identity.allow': allow } }), /must name the provider whose claim it trusts/);
    assert.throws(
      () => loadConfig({ overrides: { 'identity.providers': [google, github], 'identity.allow': { claim: { ...allow.claim, provider: 'gitlab' } } } }),
      /names "gitlab", which neither identity\.providers nor identity\.enterpriseProviders defines/,
    );
    const scoped = loadConfig({ overrides: { 'identity.providers': [google, github], 'identity.allow': { claim: { ...allow.claim, provider: 'google' } } } });
    assert.equal(scoped.identity.allow.claim?.provider, 'google');
    // With one provider there is nothing to mix up.
    assert.equal(loadConfig({ overrides: { 'identity.providers': [google], 'identity.allow': allow } }).identity.allow.claim?.name, 'groups');
  });

  it('reads providers from LATCHKEY_IDENTITY_PROVIDERS, keeping secrets out of the file', () => {
    const config = loadConfig({ env: { LATCHKEY_IDENTITY_PROVIDERS: JSON.stringify([github]), LATCHKEY_IDENTITY_ALLOW: '{"anyone": true}' } });
    assert.equal(config.identity.providers[0]?.kind, 'github');
  });

  it('refuses to start with local passwords off and no provider: nobody could sign in', async () => {
    const config = loadConfig({ overrides: { 'identity.localPasswords': false, 'database.url': 'sqlite::memory:' } });
    await assert.rejects(createServices(config), /identity\.localPasswords is false and identity\.providers is empty/);
  });
});
