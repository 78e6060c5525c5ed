// The README's code for protecting an MCP server is the code of example files that test/e2e runs (hosts.test.ts,
// mcp-sdk.test.ts), so it cannot rot: a block marked `<!-- example: PATH -->` must be that file, and one marked
// `<!-- example: PATH#NAME -->` the region between `// #region NAME` and `// #endregion NAME` of it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** How the examples import the source, and what users import instead (the package's `exports`). */
const packageImports: Record<string, string> = {
  '../../src/index.js': 'latchkey',
  '../../src/resource-server.js': 'latchkey/resource-server',
};

/**
 * What the README shows of an example: the whole file from its first line that is not a comment (the leading
 * comment speaks of this repository), or one region of it, dedented; in both, the package's import names.
 */
function snippetOf(source: string, region?: string): string {
  let lines = source.replace(/\n$/, '').split('\n');
  if (region === undefined) {
    lines = lines.slice(lines.findIndex((line) => !line.startsWith('//')));
  } else {
    const start = lines.findIndex((line) => line.trim() === `// #region ${region}`);
    const end = lines.findIndex((line) => line.trim() === `// #endregion ${region}`);
    assert.ok(start >= 0 && end > start, `the file has a region "${region}"`);
    lines = lines.slice(start + 1, end);
    const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)![0].length));
    lines = lines.map((line) => line.slice(indent));
  }
  return lines.join('\n').replace(/'(\.\.\/\.\.\/src\/[\w-]+\.js)'/g, (quoted, path: string) => (path in packageImports ? `'${packageImports[path]}'` : quoted));
}

/** Every `<!-- example: PATH[#REGION] -->` of a Markdown text and the fenced code block right after it. */
function markedSnippets(markdown: string): { path: string; region: string | undefined; code: string; line: number }[] {
  return [...markdown.matchAll(/<!-- example: ([^\s#]+)(?:#([\w-]+))? -->\n```\w*\n([\s\S]*?)\n```/g)].map((match) => ({
    path: match[1]!,
    region: match[2],
    code: match[3]!,
    line: markdown.slice(0, match.index).split('\n').length,
  }));
}

const readme = readFileSync('README.md', 'utf8');
const snippets = markedSnippets(readme);
const exported = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> }).exports);

describe('README snippets of the examples', () => {
  it('finds a code block after every example marker', () => {
    assert.equal(snippets.length, (readme.match(/<!-- example: /g) ?? []).length, 'each marker is followed by a fenced code block');
    assert.ok(snippets.length >= 4);
  });

  it('shows every host example of examples/hosts, each run by test/e2e/hosts.test.ts', () => {
    const shown = new Set(snippets.map((snippet) => snippet.path));
    for (const file of readdirSync('examples/hosts')) assert.ok(shown.has(`examples/hosts/${file}`), `README.md shows examples/hosts/${file}`);
    const e2e = readFileSync('test/e2e/hosts.test.ts', 'utf8');
    for (const file of readdirSync('examples/hosts')) assert.ok(e2e.includes(`'../../examples/hosts/${file.replace(/\.ts$/, '.js')}'`), `hosts.test.ts runs ${file}`);
  });

  for (const { path, region, code, line } of snippets) {
    it(`README.md:${line} is ${path}${region ? `#${region}` : ''}, with the package's import names`, () => {
      assert.equal(code, snippetOf(readFileSync(path, 'utf8'), region), `README.md:${line} has drifted from ${path}: copy it again`);
    });
  }

  it('imports only what the package exports', () => {
    for (const { code } of snippets) {
      for (const [, name] of code.matchAll(/from '(latchkey[^']*)'/g)) {
        assert.ok(exported.includes(name === 'latchkey' ? '.' : `./${name!.slice('latchkey/'.length)}`), `package.json exports ${name}`);
      }
      assert.doesNotMatch(code, /from '\.\.?\//, 'no import of this repository is left');
    }
  });
});
