// Lint rules that keep the design visible: protocol code stays free of HTTP, SQL and adapters; the core (protocol/,
// cleanup/) sees storage and the network only through the ports it owns (ports/); adapters never call the protocol.
import tseslint from 'typescript-eslint';

const protocolBoundary = {
  patterns: [
    { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'protocol/ knows nothing of the web framework: return a result or throw OAuthError.' },
    { group: ['kysely', 'pg', 'better-sqlite3', 'ioredis', 'redis'], message: 'protocol/ sees storage only through the ports in src/ports/.' },
    { group: ['**/storage/**', '**/outbound/**'], message: 'protocol/ and cleanup/ see adapters only through the ports in src/ports/.' },
    { group: ['**/http/*', '**/cli/*', '**/ui/*', '**/main*', '**/system*'], message: 'protocol/ is called by http/, cli/ and ui/, never the other way.' },
  ],
};

const protocolGlobals = ['error', { name: 'process', message: 'protocol/ gets its configuration passed in.' }];
const protocolTime = [
  'error',
  { object: 'Date', property: 'now', message: 'protocol/ takes a Clock.' },
  { object: 'Math', property: 'random', message: 'protocol/ takes a RandomSource.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'docs/', 'dist/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // The resource-server helper runs inside MCP servers: it must not drag in the authorization server.
    files: ['src/resource-server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['fastify', '@fastify/*', 'kysely', 'pg', 'better-sqlite3', 'ioredis', 'pino'], message: 'resource-server.ts depends on jose only.' },
            { group: ['./*', '../*'], message: 'resource-server.ts depends on jose only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/protocol/**/*.ts', 'src/errors/**/*.ts', 'src/cleanup/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', protocolBoundary],
      'no-restricted-globals': protocolGlobals,
    },
  },
  {
    // The cleanup schedule runs on timers and times its own runs; the cleanup itself takes a Clock.
    files: ['src/protocol/**/*.ts', 'src/errors/**/*.ts', 'src/cleanup/**/*.ts'],
    ignores: ['src/cleanup/cleanup-schedule.ts'],
    rules: { 'no-restricted-properties': protocolTime },
  },
  {
    // Storage adapters implement the ports; they never reach back into the code that uses them.
    files: ['src/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/protocol/**', '**/http/**', '**/cli/**', '**/ui/**'], message: 'storage/ implements src/ports/; it never imports protocol, HTTP, CLI or UI code.' }] },
      ],
    },
  },
  {
    // The ports are declarations: other ports, and types from jose and config/, nothing else.
    files: ['src/ports/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\./[^/]+$|jose$|\\.\\./config/[^/]+$)', message: 'ports/ depends only on other ports, jose and config/.' },
            { regex: '^(jose|\\.\\./config/.*)$', allowTypeImports: true, message: 'ports/ imports only types from jose and config/.' },
          ],
        },
      ],
    },
  },
);
