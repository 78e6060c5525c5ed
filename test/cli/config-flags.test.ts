import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { configFlags, configFrom, withConfigFlags } from '../../src/cli/config-flags.js';
import { options, type OptionSpec } from '../../src/config/defaults.js';
import { runLatchkey } from '../support/cli.js';

/** A valid value for an option's flag that differs from its default, as typed on a command line, and the value it gives. */
function sample(spec: OptionSpec): { text: string; value: unknown } {
  const kind = spec.kind;
  switch (kind.type) {
    case 'bool':
      return { text: String(!spec.default), value: !spec.default };
    case 'enum': {
      const other = kind.values.find((value) => value !== spec.default)!;
      return { text: other, value: other };
    }
    case 'int': {
      const value = Number(spec.default) < kind.max ? Number(spec.default) + 1 : kind.min;
      return { text: String(value), value };
    }
    case 'url':
      return { text: 'https://flag.example/x', value: 'https://flag.example/x' };
    case 'string':
    case 'nullable-string':
      if (spec.key === 'gateway.upstream') return { text: 'http://127.0.0.1:3000/mcp', value: 'http://127.0.0.1:3000/mcp' };
      return spec.key === 'database.url' ? { text: 'sqlite::memory:', value: 'sqlite::memory:' } : { text: 'redis://flag.example:6379', value: 'redis://flag.example:6379' };
    case 'path':
      return { text: '/tools/mcp', value: '/tools/mcp' };
    case 'trust-proxy':
      return { text: '127.0.0.1,10.0.0.0/8', value: ['127.0.0.1', '10.0.0.0/8'] };
    default:
      // A flag of a new kind: add a sample here, so that its flag is walked like the others.
      throw new Error(`no sample value for the flag of ${spec.key} (kind ${kind.type})`);
  }
}

const flagged = options.filter((spec): spec is OptionSpec & { flag: string } => spec.flag !== undefined);

describe('configuration flags', () => {
  it('walks the option table: every documented flag is accepted by serve and sets its option', () => {
    assert.ok(flagged.length >= 9, 'the table documents flags');
    assert.deepEqual(configFlags.map(({ key }) => key), flagged.map((spec) => spec.key), 'one command-line flag per documented flag');
    for (const spec of flagged) {
      const { text, value } = sample(spec);
      const serve = withConfigFlags(new Command('serve').exitOverride().action(() => {}), 'all');
      serve.parse([spec.flag, text], { from: 'user' });
      const config = configFrom(serve.opts(), {});
      const actual = spec.key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
      assert.deepEqual(actual, value, `${spec.flag} ${text} sets ${spec.key}`);
    }
  });

  it('accepts a boolean flag (and --trust-proxy) on its own as true', () => {
    for (const spec of flagged.filter((spec) => spec.kind.type === 'bool' || spec.kind.type === 'trust-proxy')) {
      const serve = withConfigFlags(new Command('serve').exitOverride().action(() => {}), 'all');
      serve.parse([spec.flag], { from: 'user' });
      const actual = spec.key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], configFrom(serve.opts(), {}));
      assert.equal(actual, true, spec.flag);
    }
  });

  it('lists every documented flag in `latchkey serve --help`, and only those it reads in another command\'s', () => {
    const help = runLatchkey(['serve', '--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const spec of flagged) assert.ok(help.stdout.includes(spec.flag), `${spec.flag} is in serve --help`);
    const usersAdd = withConfigFlags(new Command('add'));
    assert.deepEqual(usersAdd.options.map((option) => option.long), ['--config', '--database'], 'a command that only opens the storage');
    const gc = withConfigFlags(new Command('gc'), ['database', 'secrets', 'cleanup']);
    assert.deepEqual(gc.options.map((option) => option.long), ['--config', '--database'], 'cleanup.* has no flag');
    assert.throws(() => withConfigFlags(new Command('gc'), ['database', 'cleanup.batchSizes']), /no configuration option cleanup\.batchSizes/);
  });

  it('serve takes --trust-proxy and --registration-mode on the command line, and says in one line that its port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const flags = ['--trust-proxy', '127.0.0.1,10.0.0.0/8', '--registration-mode', 'protected', '--log-level', 'silent'];
      const run = runLatchkey(['serve', '--host', '127.0.0.1', '--port', String(port), '--database', 'sqlite::memory:', ...flags]);
      assert.equal(run.status, 1, run.stderr);
      // After the first start's announcement of the administrator (the database is new): the last line.
      assert.ok(
        run.stderr.endsWith(`\nlatchkey: port ${port} on 127.0.0.1 is already in use (another Latchkey, or another server): stop it, or choose another port with --port (PORT)\n`),
        run.stderr,
      );
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      taken.close();
    }
  });
});
