import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { parseResources, resourceKey } from '../../src/config/resources.js';
import { OAuthError } from '../../src/errors/oauth-error.js';
import { resolveMachineResource, resolveResource, resourceScopeLimit, sameResource } from '../../src/protocol/resources.js';

const mcp = { uri: 'https://mcp.example.com/mcp', name: 'Example tools', scopes: ['mcp:tools'], machineClients: false, default: false };
const batch = { uri: 'https://batch.example.com/api', name: 'Batch', scopes: ['batch:run'], machineClients: true, default: true };

function targetError(run: () => unknown): void {
  assert.throws(run, (error: unknown) => error instanceof OAuthError && error.code === 'invalid_target');
}

describe('the resource registry (RFC 8707, PRODUCT.md §8)', () => {
  it('matches whatever the case of scheme and host, a default port or a trailing slash, and answers the registered form', () => {
    const config = { resources: [mcp] };
    for (const variant of ['https://mcp.example.com/mcp', 'HTTPS://MCP.Example.com/mcp', 'https://mcp.example.com:443/mcp', 'https://mcp.example.com/mcp/']) {
      assert.deepEqual(resolveResource(variant, config), { audience: mcp.uri, entry: mcp }, variant);
    }
  });

  it('refuses a resource that differs in path, query, scheme or port (invalid_target)', () => {
    const config = { resources: [mcp] };
    for (const other of ['https://mcp.example.com/mcp2', 'https://mcp.example.com/MCP', 'https://mcp.example.com/mcp?x=1', 'http://mcp.example.com/mcp', 'https://mcp.example.com:8443/mcp', 'https://evil.example/mcp']) {
      targetError(() => resolveResource(other, config));
    }
    targetError(() => resolveResource('https://mcp.example.com/mcp#frag', config));
    targetError(() => resolveResource('not a uri', config));
    targetError(() => resolveResource('https://user:pw@mcp.example.com/mcp', config));
  });

  it('gives a request without resource the default resource, or the first one', () => {
    assert.equal(resolveResource(undefined, { resources: [mcp, batch] })?.audience, batch.uri);
    assert.equal(resolveResource(undefined, { resources: [mcp] })?.audience, mcp.uri);
  });

  it('with no resource configured, accepts https and loopback URIs as sent and nothing else', () => {
    const config = { resources: [] };
    assert.equal(resolveResource(undefined, config), null);
    assert.deepEqual(resolveResource('https://any.example/mcp', config), { audience: 'https://any.example/mcp', entry: null });
    assert.equal(resolveResource('http://127.0.0.1:3000/mcp', config)?.audience, 'http://127.0.0.1:3000/mcp');
    for (const bad of ['http://mcp.example.com/mcp', 'urn:example:thing', 'ftp://files.example/x', 'https://user:pw@mcp.example.com/']) {
      targetError(() => resolveResource(bad, config));
    }
  });

  it('gives machine clients only a resource that accepts them, and none at all without a registry', () => {
    targetError(() => resolveMachineResource(undefined, { resources: [] }));
    targetError(() => resolveMachineResource('https://any.example/mcp', { resources: [] }));
    targetError(() => resolveMachineResource(mcp.uri, { resources: [mcp, batch] }));
    targetError(() => resolveMachineResource(undefined, { resources: [mcp] }));
    assert.equal(resolveMachineResource('https://BATCH.example.com/api/', { resources: [mcp, batch] }).audience, batch.uri);
  });

  it('limits the grantable scopes of a resource to its own and the identity scopes', () => {
    const scopes = { supported: ['openid', 'offline_access', 'mcp:tools', 'batch:run'] };
    assert.deepEqual(resourceScopeLimit({ audience: mcp.uri, entry: mcp }, { scopes }), ['openid', 'offline_access', 'mcp:tools']);
    assert.deepEqual(resourceScopeLimit({ audience: 'https://x.example', entry: null }, { scopes }), scopes.supported);
    assert.deepEqual(resourceScopeLimit(null, { scopes }), scopes.supported);
  });

  it('compares a resource at /token with the grant tolerantly, and never against no resource', () => {
    assert.equal(sameResource('https://MCP.example.com/mcp/', mcp.uri), true);
    assert.equal(sameResource('https://mcp.example.com/other', mcp.uri), false);
    assert.equal(sameResource(mcp.uri, null), false);
    assert.equal(resourceKey('https://a.example:443/'), resourceKey('HTTPS://A.EXAMPLE'));
  });
});

describe('the resources option', () => {
  it('validates each resource and names what is wrong', () => {
    assert.match(String(parseResources({})), /a list of resources/);
    assert.match(String(parseResources([{ uri: 'https://a.example/#x' }])), /without fragment/);
    assert.match(String(parseResources([{ uri: 'ftp://a.example/' }])), /http or https/);
    assert.match(String(parseResources([{ uri: 'https://a.example/', scopes: ['two words'] }])), /scope names/);
    assert.match(String(parseResources([{ uri: 'https://a.example/', machineClients: 'yes' }])), /true or false/);
    assert.match(String(parseResources([{ uri: 'https://a.example/', audience: 'x' }])), /unknown "audience"/);
    assert.match(String(parseResources([{ uri: 'https://a.example/', default: true }, { uri: 'https://b.example/', default: true }])), /at most one/);
    assert.deepEqual(parseResources([{ uri: 'https://a.example/mcp' }]), [{ uri: 'https://a.example/mcp', name: 'a.example', scopes: [], machineClients: false, default: false }]);
  });

  it('makes scopes_supported the identity scopes plus every resource scope, and refuses one resource twice', () => {
    const config = loadConfig({ env: {}, overrides: { resources: [mcp, batch] } });
    assert.deepEqual(config.scopes.supported, ['openid', 'profile', 'email', 'offline_access', 'mcp:tools', 'batch:run']);
    assert.throws(() => loadConfig({ env: {}, overrides: { resources: [mcp, { ...mcp, uri: 'https://MCP.example.com/mcp/' }] } }), ConfigError);
    const fromEnv = loadConfig({ env: { LATCHKEY_RESOURCES: JSON.stringify([mcp]) } });
    assert.equal(fromEnv.resources[0]?.name, 'Example tools');
  });
});
