import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderConfigurationDoc, renderErrorsDoc } from '../scripts/generate-docs.js';

describe('generated documentation', () => {
  it('docs/configuration.md matches src/config/defaults.ts (run npm run docs)', () => {
    assert.equal(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8'), renderConfigurationDoc());
  });
  it('docs/errors.md matches src/errors/codes.ts (run npm run docs)', () => {
    assert.equal(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8'), renderErrorsDoc());
  });
});
