import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { detectLookAlike } from '../../../src/protocol/registration/look-alike.js';

/** A printable name for a test title: non-ASCII characters as `\uXXXX`. */
function show(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const evil = ['https://evil.example/oauth/callback'];

function fixtureClients(url: URL): { name: string; request: { client_name?: string; redirect_uris: string[] } }[] {
  return (JSON.parse(readFileSync(url, 'utf8')) as { clients: { name: string; request: { client_name?: string; redirect_uris: string[] } }[] }).clients;
}

function seedRequests(url: URL): { client_name?: string; redirect_uris?: string[] }[] {
  const found: { client_name?: string; redirect_uris?: string[] }[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record['client_name'] === 'string' && Array.isArray(record['redirect_uris'])) found.push(record as { client_name: string; redirect_uris: string[] });
      Object.values(record).forEach(visit);
    }
  };
  visit(JSON.parse(readFileSync(url, 'utf8')));
  return found;
}

describe('detectLookAlike (RFC 7591 §5: client names are self-asserted)', () => {
  describe('flags a name imitating a well-known agent whose redirects are not that agent’s', () => {
    const imitations: [string, string[], string][] = [
      ['Claude', evil, 'Claude'],
      ['Claude Desktop Helper', evil, 'Claude'],
      ['Claude\'s Assistant', evil, 'Claude'],
      ['ClaudeHelper', evil, 'Claude'],
      ['Claude3 Assistant', evil, 'Claude'],
      ['Anthropic Connector', evil, 'Claude'],
      ['C1aude', evil, 'Claude'],
      ['CIaude', evil, 'Claude'],
      ['Cl@ude', evil, 'Claude'],
      ['\u0421laude', evil, 'Claude'], // Cyrillic capital Es
      ['Cl\u0430ude', evil, 'Claude'], // Cyrillic small a
      ['\u0421l\u0430ud\u0435', evil, 'Claude'], // Cyrillic Es, a and ie
      ['C\u04cfaude', evil, 'Claude'], // Cyrillic palochka for l
      ['\u039fpen\u0391\u0399', evil, 'ChatGPT'], // Greek capitals Omicron, Alpha, Iota
      ['Cl\u200baude', evil, 'Claude'], // zero-width space
      ['Cl\u00e1ud\u00e9', evil, 'Claude'], // accents
      ['\uff23\uff4c\uff41\uff55\uff44\uff45', evil, 'Claude'], // full-width
      ['\u1d04\u029f\u1d00\u1d1c\u1d05\u1d07', evil, 'Claude'], // small capitals
      ['C l a u d e', evil, 'Claude'],
      ['Claude', ['http://localhost:3000/callback'], 'Claude'], // the web agent never redirects to loopback
      ['Claude', ['https://claude.ai.evil.example/cb'], 'Claude'],
      ['Claude', ['https://evilclaude.ai/cb'], 'Claude'],
      ['Claude', ['https://claude.ai/api/mcp/auth_callback', 'https://evil.example/cb'], 'Claude'],
      ['Claude', ['claude://callback'], 'Claude'],
      ['Claude Code', evil, 'Claude Code'],
      ['Claude Code', ['http://claude.ai/cb'], 'Claude Code'],
      ['ChatGPT', evil, 'ChatGPT'],
      ['Chat-GPT Plugin', evil, 'ChatGPT'],
      ['0penAI Connector', evil, 'ChatGPT'],
      ['OpenAI Codex', evil, 'Codex'],
      ['Cursor', ['https://cursor.evil.example/cb'], 'Cursor'],
      ['Cursor', ['vscode://anysphere/cb'], 'Cursor'],
      ['VSCode', evil, 'Visual Studio Code'],
      ['VS Code MCP', evil, 'Visual Studio Code'],
      ['V.S. Code', evil, 'Visual Studio Code'],
      ['Visual Studio Code', ['cursor://x/cb'], 'Visual Studio Code'],
      ['GitHub Copilot', ['https://github.evil.example/cb'], 'GitHub Copilot'],
      ['Copilot', evil, 'GitHub Copilot'],
      ['VVindsurf', evil, 'Windsurf'],
      ['Zed', evil, 'Zed'],
      ['Gemini CLI', evil, 'Gemini'],
      ['MCP Inspector', ['https://inspector.example/oauth/callback'], 'MCP Inspector'],
      ['rnCP Inspector', evil, 'MCP Inspector'],
    ];
    for (const [name, redirects, agent] of imitations) {
      it(`"${show(name)}" → ${redirects.join(' ')} imitates ${agent}`, () => {
        assert.equal(detectLookAlike(name, redirects), agent);
      });
    }
  });

  describe('does not flag the genuine agents', () => {
    // test/fixtures holds the team's shared fixtures as copied into the repository (a clean clone has no ../shared).
    const fixtures = fixtureClients(new URL('../../fixtures/mcp-client-registrations.json', import.meta.url));
    it('reads the MCP client fixtures', () => assert.ok(fixtures.length >= 5, `${fixtures.length} fixtures`));
    for (const { name, request } of fixtures) {
      it(`fixture ${name} ("${request.client_name}")`, () => {
        assert.equal(detectLookAlike(request.client_name ?? '', request.redirect_uris), null);
      });
    }

    const genuine: [string, string[]][] = [
      ['Claude', ['https://claude.com/api/mcp/auth_callback']],
      ['Claude', ['https://www.anthropic.com/callback']],
      ['Claude Code', ['http://127.0.0.1:5000/callback', 'http://[::1]:8080/callback']],
      ['Visual Studio Code', ['vscode://vscode.github-authentication/did-authenticate', 'vscode-insiders://cb']],
      ['Cursor', ['https://cursor.sh/callback']],
      ['Zed', ['zed://auth/callback', 'http://127.0.0.1:9000/']],
      ['\u0421laude', ['https://claude.ai/api/mcp/auth_callback']], // a look-alike name that can only send codes to Claude
    ];
    for (const [name, redirects] of genuine) {
      it(`"${show(name)}" → ${redirects.join(' ')}`, () => assert.equal(detectLookAlike(name, redirects), null));
    }
  });

  describe('does not flag names that imitate nothing', () => {
    const seeds = ['datadog.json', 'provider-mcp.json'].flatMap((file) => seedRequests(new URL(`../../fixtures/seeds/${file}`, import.meta.url)));
    it('reads the seeds’ registration requests', () => assert.ok(seeds.length >= 2));
    for (const { client_name: name, redirect_uris: redirects } of seeds) {
      it(`seed "${name}"`, () => assert.equal(detectLookAlike(name ?? '', redirects ?? []), null));
    }

    const unrelated = [
      'Claudette\'s Tool',
      'Claudette',
      'Mcclaude Notes',
      'Cursory Reader',
      'Encoder Studio',
      'Open Source AI Agent',
      'Visual Studio',
      'Geminids Tracker',
      'Zedonk',
      'Acme Agent',
      'My MCP Client',
      '',
    ];
    for (const name of unrelated) {
      it(`"${name}"`, () => assert.equal(detectLookAlike(name, evil), null));
    }
  });
});
