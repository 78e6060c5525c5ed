// Writes docs/configuration.md and docs/errors.md from the code (`npm run docs`); test/docs.test.ts fails when
// the committed files differ from what this renders.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { options } from '../src/config/defaults.js';
import { errorCodes } from '../src/errors/codes.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/defaults.ts by `npm run docs`; do not edit. -->',
    '',
    'Latchkey reads its configuration, each later source winning over the earlier ones, from: the defaults below;',
    'a JSON file (`--config file.json` or `LATCHKEY_CONFIG`) whose keys are the option keys, nested (`{"registration": {"profile": "public-only"}}`)',
    'or dotted (`{"registration.profile": "public-only"}`); environment variables; command-line flags. Every value is',
    'validated at start, and an invalid one stops the server with a message naming the key and where the value came from.',
    'Lists are JSON arrays in the file and comma-separated in the environment.',
    '',
    '| key | default | environment | flag | description |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const option of options) {
    lines.push(
      `| \`${option.key}\` | \`${JSON.stringify(option.default)}\` | ${(option.env ?? []).map((e) => `\`${e}\``).join(', ')} | ${option.flag ? `\`${option.flag}\`` : ''} | ${cell(option.doc)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderErrorsDoc(): string {
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from src/errors/codes.ts by `npm run docs`; do not edit. -->',
    '',
    'Every error is JSON with `Cache-Control: no-store`: `{"error": "<code>", "error_description": "<text>"}`',
    '(RFC 6749 §5.2, RFC 7591 §3.2.2), except `429`, whose body is `{"errors": ["<text>"]}`. A `401` carries',
    '`WWW-Authenticate: Bearer …` (RFC 6750 §3); `429` and `503` carry `Retry-After`. Unexpected failures are a generic',
    '`500 server_error`: details go to the logs only.',
    '',
    '| code | status | `error` on the wire | default description |',
    '| --- | --- | --- | --- |',
  ];
  for (const [code, { status, wire, description }] of Object.entries(errorCodes)) {
    lines.push(`| \`${code}\` | ${status} | \`${wire}\` | ${cell(description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
  console.log('wrote docs/configuration.md and docs/errors.md');
}
