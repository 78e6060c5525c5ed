import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { listResources } from '../../src/operations/resources.js';
import { resolveResource } from '../../src/protocol/resources.js';

describe('operations: resources', () => {
  const configured = (resources: unknown[]) => loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', resources } });

  it('lists the configured resources, the one marked default as the default', () => {
    const config = configured([
      { uri: 'https://a.example/mcp', name: 'A', scopes: ['a'] },
      { uri: 'https://b.example/mcp', name: 'B', scopes: ['b'], machineClients: true, default: true },
    ]);
    assert.deepEqual(
      listResources(config).map((r) => [r.uri, r.name, r.machineClients, r.isDefault]),
      [['https://a.example/mcp', 'A', false, false], ['https://b.example/mcp', 'B', true, true]],
    );
  });

  it('without one marked default, the first is, as a request without resource resolves it', () => {
    const config = configured([{ uri: 'https://a.example/mcp' }, { uri: 'https://b.example/mcp' }]);
    const listed = listResources(config);
    assert.deepEqual(listed.map((r) => r.isDefault), [true, false]);
    assert.equal(resolveResource(undefined, config)?.audience, listed.find((r) => r.isDefault)?.uri);
  });

  it('lists none when none are configured', () => {
    assert.deepEqual(listResources(configured([])), []);
  });
});
