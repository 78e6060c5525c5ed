import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from '../support/server.js';

describe('the standalone app', () => {
  // Fastify warns once per process, so this is the first app this file builds: a warning an earlier build had
  // already given would not be seen again.
  it('builds and answers without a Fastify deprecation warning (FSTDEP023: the top-level disableRequestLogging)', async () => {
    const warnings: Error[] = [];
    const collect = (warning: Error) => void warnings.push(warning);
    process.on('warning', collect);
    try {
      const server = await startTestServer();
      try {
        const response = await server.app.inject({ method: 'GET', url: '/healthz' });
        assert.equal(response.statusCode, 200);
      } finally {
        await server.close();
      }
      // process.emitWarning emits on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', collect);
    }
    const fastifyWarnings = warnings.filter((warning) => /^FST/.test(String((warning as { code?: unknown }).code)) || warning.name === 'FastifyDeprecation');
    assert.deepEqual(fastifyWarnings.map((warning) => `${(warning as { code?: string }).code}: ${warning.message}`), []);
  });
});
