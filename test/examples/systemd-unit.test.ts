import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { options } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';

/**
 * examples/systemd/latchkey.service, which docs/deploy.md tells operators to install: it must be a unit systemd
 * accepts, start the installed package's command, and configure Latchkey only through variables it reads.
 */
const unitFile = 'examples/systemd/latchkey.service';
const text = readFileSync(unitFile, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'latchkey-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The unit as sections of (key, value) pairs, in order; every line that is not blank or a comment must be one. */
function parseUnit(source: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  source.split('\n').forEach((line, index) => {
    if (line.trim() === '' || /^[#;]/.test(line)) return;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      assert.ok(!sections.has(section[1]!), `section [${section[1]}] appears once`);
      sections.set(section[1]!, (current = []));
      return;
    }
    const entry = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(entry, `line ${index + 1} is Key=Value: ${line}`);
    assert.ok(current, `line ${index + 1} is inside a section`);
    current.push([entry[1]!, entry[2]!]);
  });
  return sections;
}

const unit = parseUnit(text);
const values = (section: string, key: string) => (unit.get(section) ?? []).filter(([name]) => name === key).map(([, value]) => value);
const value = (section: string, key: string) => {
  const found = values(section, key);
  assert.equal(found.length, 1, `[${section}] ${key} is set once`);
  return found[0]!;
};

describe('the systemd unit example', () => {
  it('has the three sections, and is wanted by multi-user.target', () => {
    assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);
    assert.match(value('Unit', 'Description'), /Latchkey/);
    assert.equal(value('Install', 'WantedBy'), 'multi-user.target');
  });

  it("starts the installed package's command, from the folder it is installed in, and stops it with SIGTERM", () => {
    const { bin } = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { latchkey: string } };
    const [node, script, command, ...rest] = value('Service', 'ExecStart').split(' ');
    assert.equal(node, '/usr/bin/node');
    assert.equal(script, join(value('Service', 'WorkingDirectory'), 'node_modules/latchkey', bin.latchkey));
    assert.equal(command, 'serve');
    assert.deepEqual(rest, []);
    assert.equal(value('Service', 'KillSignal'), 'SIGTERM', 'the signal the server shuts down gracefully on');
    assert.equal(value('Service', 'User'), 'latchkey');
  });

  it('sets only variables Latchkey reads, and they give a valid configuration with the database in its state directory', () => {
    const environment = Object.fromEntries(
      values('Service', 'Environment').map((assignment) => {
        const equals = assignment.indexOf('=');
        return [assignment.slice(0, equals), assignment.slice(equals + 1)];
      }),
    );
    const known = new Set([...options.flatMap((option) => option.env ?? []), 'LATCHKEY_CONFIG', 'NODE_ENV']);
    for (const name of Object.keys(environment)) assert.ok(known.has(name), `${name} is a variable Latchkey reads`);

    // The configuration file the unit names, as docs/deploy.md shows it.
    const file = join(dir, 'latchkey.json');
    writeFileSync(file, JSON.stringify({ issuer: 'https://auth.example.com', trustProxy: true }));
    const config = loadConfig({ env: { ...environment, LATCHKEY_CONFIG: file } });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.issuer, 'https://auth.example.com');
    const stateDirectory = join('/var/lib', value('Service', 'StateDirectory'));
    assert.ok(config.database.url.startsWith(`sqlite:${stateDirectory}/`), `${config.database.url} is in ${stateDirectory}`);
  });

  it('passes systemd-analyze verify without a warning', { skip: existsSync('/usr/bin/systemd-analyze') ? false : 'systemd-analyze is not installed' }, () => {
    const result = spawnSync('/usr/bin/systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(`${result.stdout}${result.stderr}`, '', 'no warning (an unknown key is only a warning)');
  });
});
