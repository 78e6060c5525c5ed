import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { detectLookAlike, nameReadingsKept } from '../../../src/protocol/registration/look-alike.js';

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
    const imitations: [string, string[], string | null][] = [
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
      // Confusables a hand-made table missed, from the UTS #39 data (issue 10, finding 9).
      ['\u13dflaude', evil, 'Claude'], // Cherokee letter tli
      ['\ua4dalaude', evil, 'Claude'], // Lisu letter ca
      ['\u03f9laude', evil, 'Claude'], // Greek capital lunate sigma
      ['Cla\u057dde', evil, 'Claude'], // Armenian small seh
      ['Curs\u0585r', evil, 'Cursor'], // Armenian small oh
      ['\u13a0\u13ac\u13a2', evil, null], // Cherokee reading DEH: imitates no agent
      ['\u13df\u13de\u13aa\u13cc\u13a0\u13ac', evil, 'Claude'], // Claude written wholly in Cherokee capitals
      ['\ua4da\ua4e1\ua4ee\ua4f4\ua4d3\ua4f0', evil, 'Claude'], // Claude written wholly in Lisu
      ['C\u043d\u0430tGPT', evil, 'ChatGPT'], // Cyrillic en, a small capital H by shape
      ['Co\u0440ilot', evil, 'GitHub Copilot'], // Cyrillic er
      ['\u1d04\u029f\u1d00\u1d1c\u1d05\u1d07 \u1d04\u1d0f\u1d05\u1d07', evil, 'Claude Code'], // small capitals
      ['Ge\u043cini', evil, 'Gemini'], // Cyrillic em, folded through its prototype (a small capital M)
      ['\ud835\udc02\ud835\udc25\ud835\udc1a\ud835\udc2e\ud835\udc1d\ud835\udc1e', evil, 'Claude'], // mathematical bold
    ];
    for (const [name, redirects, agent] of imitations) {
      it(`"${show(name)}" → ${redirects.join(' ')} imitates ${agent ?? 'nothing'}`, () => {
        assert.equal(detectLookAlike(name, redirects), agent);
      });
    }
  });

  describe('flags a name that mixes scripts to be misread, with how it reads (UTS #39 section 5)', () => {
    const mixed: [string, string][] = [
      ['Y\u043eur B\u0430nk', 'Your Bank'], // Cyrillic o and a
      ['P\u0430yPal Login', 'PayPal Login'], // Cyrillic a
      ['G\u0585\u0585gle Drive', 'Google Drive'], // Armenian oh
      ['\u13a0ropbox', 'Dropbox'], // Cherokee a, which looks like D
      ['\u0392\u0430nk of \u0391merica', 'Bank of America'], // Greek capital beta with Cyrillic a; a Greek alpha alone in a word
      ['St\u0430ck Overflow', 'Stack Overflow'],
    ];
    for (const [name, reading] of mixed) {
      it(`"${show(name)}" reads ${reading}`, () => assert.equal(detectLookAlike(name, evil), reading));
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
      // One script per word, or Latin mixed only with Japanese, Chinese or Korean: not written to be misread.
      'Caf\u00e9 Connect',
      '\u00c4rzte Portal Stra\u00dfe',
      '\u041f\u043e\u043c\u043e\u0449\u043d\u0438\u043a \u0434\u043b\u044f Teams',
      '\u03a3\u03cd\u03bd\u03b4\u03b5\u03c3\u03b7 Client',
      'Notes\u7528\u30a2\u30d7\u30ea',
      '\u6771\u4eac Connector',
      'Bank\u0e44\u0e17\u0e22',
      '\ud55c\uad6d\uc5b4Client',
    ];
    for (const name of unrelated) {
      it(`"${show(name)}"`, () => assert.equal(detectLookAlike(name, evil), null));
    }
  });
});

describe('the kept name readings', () => {
  it('keep the redirect URIs out of what is kept: the same name is judged anew for each registration', () => {
    // The genuine client first, so that its reading is kept, then the same name on a host the agent does not own.
    assert.equal(detectLookAlike('Claude Code', ['http://127.0.0.1:33418/callback']), null);
    assert.equal(detectLookAlike('Claude Code', evil), 'Claude Code');
    assert.equal(detectLookAlike('Claude Code', ['http://127.0.0.1:33418/callback']), null);
    assert.equal(detectLookAlike('Cursor', ['cursor://anysphere.cursor-retrieval/oauth/callback']), null);
    assert.equal(detectLookAlike('Cursor', ['cursor://anysphere.cursor-retrieval/oauth/callback', ...evil]), 'Cursor');
  });

  it('give the same answers once more names than are kept have pushed the first ones out', () => {
    const names = ['C1aude', 'Chat-GPT', '\u0421laude', 'Y\u043eur B\u0430nk', 'Acme Agent'];
    const first = names.map((name) => detectLookAlike(name, evil));
    assert.deepEqual(first, ['Claude', 'ChatGPT', 'Claude', 'Your Bank', null]);
    for (let i = 0; i < nameReadingsKept + 10; i++) assert.equal(detectLookAlike(`Registrant ${i}`, evil), null);
    assert.deepEqual(names.map((name) => detectLookAlike(name, evil)), first);
  });
});
