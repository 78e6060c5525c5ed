import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/load.js';
import { importOptional, isMissingPackage } from '../../src/config/optional-package.js';

// Modules outside the repository, where no node_modules has pg: as in a SQLite user's installation.
const dir = mkdtempSync(join(tmpdir(), 'latchkey-optional-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function moduleThat(name: string, source: string): () => Promise<unknown> {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  return () => import(pathToFileURL(file).href);
}

describe('optional peer dependencies (pg, ioredis)', () => {
  it('turns "pg is not installed" into one line that says what needs it and what to run', async () => {
    await assert.rejects(importOptional('pg', moduleThat('needs-pg', "import 'pg';\n")), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'database.url postgres://… needs the pg package, which is not installed: run npm install pg');
      return true;
    });
  });

  it('passes on any other failure as it is: another missing package, or an error inside the module', async () => {
    await assert.rejects(importOptional('pg', moduleThat('needs-other', "import 'pg-extra-not-installed';\n")), (error: unknown) => {
      assert.ok(!(error instanceof ConfigError));
      assert.match(String(error), /Cannot find package 'pg-extra-not-installed'/);
      return true;
    });
    await assert.rejects(importOptional('pg', moduleThat('throws', "throw new Error('broken inside');\n")), /broken inside/);
  });

  it('tells a missing package from a missing file inside an installed one, for import() and require()', () => {
    assert.equal(isMissingPackage({ code: 'ERR_MODULE_NOT_FOUND', message: "Cannot find package 'pg' imported from /app/x.js" }, 'pg'), true);
    assert.equal(isMissingPackage({ code: 'MODULE_NOT_FOUND', message: "Cannot find module 'ioredis'\nRequire stack:\n- /app/x.js" }, 'ioredis'), true);
    assert.equal(isMissingPackage({ code: 'MODULE_NOT_FOUND', message: "Cannot find module '/app/node_modules/ioredis/built/x.js'" }, 'ioredis'), false);
    assert.equal(isMissingPackage({ code: 'ERR_MODULE_NOT_FOUND', message: "Cannot find package 'pg-pool' imported from /app/pg.js" }, 'pg'), false);
    assert.equal(isMissingPackage(new Error("Cannot find package 'pg'"), 'pg'), false, 'no code: not a resolution failure');
  });
});
