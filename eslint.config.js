// Lint rules that keep the design visible: protocol code stays free of HTTP, SQL and adapters; the core (protocol/,
// cleanup/, operations/) sees storage and the network only through the ports it owns (ports/); adapters never call
// the protocol; adapters and the real clock are built in the composition root (src/compose.ts) only.
import tseslint from 'typescript-eslint';

const protocolBoundary = {
  patterns: [
    { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'protocol/ knows nothing of the web framework: return a result or throw OAuthError.' },
    { group: ['kysely', 'pg', 'better-sqlite3', 'ioredis', 'redis'], message: 'protocol/ sees storage only through the ports in src/ports/.' },
    { group: ['**/storage/**', '**/outbound/**'], message: 'protocol/ and cleanup/ see adapters only through the ports in src/ports/.' },
    { group: ['**/http/*', '**/cli/*', '**/ui/*', '**/main*', '**/system*', '**/compose*'], message: 'protocol/ is called by http/, cli/ and ui/, never the other way.' },
  ],
};
const protocolGlobals = ['error', { name: 'process', message: 'protocol/ gets its configuration passed in.' }];
const protocolTime = [
  'error',
  { object: 'Date', property: 'now', message: 'protocol/ takes a Clock.' },
  { object: 'Math', property: 'random', message: 'protocol/ takes a RandomSource.' },
];

/**
 * Adapters (SQLite, PostgreSQL, Redis, the outbound fetcher) and the real clock and random source: built in the
 * composition root only, so that where a service comes from is one file to read.
 */
const adapterBoundary = {
  patterns: [
    { group: ['better-sqlite3', 'pg', 'ioredis', 'kysely'], message: 'Adapters are built in src/compose.ts only: take the service from there.' },
    {
      group: ['**/storage/sqlite*', '**/storage/postgres*', '**/storage/open-storage*', '**/storage/sql/*', '**/rate-limit/redis*', '**/rate-limit/limiters*', '**/outbound/*', '**/system*'],
      message: 'Adapters and the real clock and random source are built in src/compose.ts only: take the service from there.',
    },
  ],
};

/** The resource-server helper's imports: jose and web standards, and `relative` (a regex) of its own files. */
const resourceServerBoundary = (relative) => ({
  patterns: [
    {
      group: ['fastify', '@fastify/*', 'kysely', 'pg', 'better-sqlite3', 'ioredis', 'pino', 'express', 'hono', 'hono/*', '@hono/*', '@modelcontextprotocol/*'],
      message: 'The resource-server helper depends on jose only.',
    },
    { regex: relative, message: 'The resource-server helper depends on jose only: its files import one another and nothing else of the project.' },
  ],
});

// Operator use cases (src/operations/) stand where protocol/ stands: the dashboard and the CLI call them, and they
// call protocol/, never a web framework, a command-line parser or an adapter.
const operationsBoundary = {
  patterns: [
    ...protocolBoundary.patterns.map((pattern) => ({ ...pattern, message: pattern.message.replaceAll('protocol/', 'operations/').replace('OAuthError', 'OperationError') })),
    { group: ['commander'], message: 'operations/ knows nothing of the command line: the CLI parses, the operation validates.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'docs/', 'dist/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Everywhere in src/ but the composition root and the adapters' own folders. (Blocks below with their own
    // no-restricted-imports replace this one for their files; each of them forbids adapters too.)
    files: ['src/**/*.ts'],
    ignores: ['src/compose.ts', 'src/storage/**', 'src/rate-limit/**', 'src/outbound/**'],
    rules: { 'no-restricted-imports': ['error', adapterBoundary] },
  },
  {
    // A route file registers the routes of one endpoint or page group; what routes share lives beside them in http/.
    files: ['src/http/routes/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...adapterBoundary.patterns, { regex: '^\\./', message: 'A route file never imports another route file: move what they share to src/http/.' }] },
      ],
    },
  },
  {
    // The resource-server helper runs inside MCP servers: it must not drag in the authorization server, nor the
    // web framework the MCP server happens to use (Express and Hono are described structurally, never imported).
    // Its files may import one another, and jose; nothing else of the project.
    files: ['src/resource-server.ts'],
    rules: { 'no-restricted-imports': ['error', resourceServerBoundary('^\\.(?!/resource-server/[\\w-]+\\.js$)')] },
  },
  {
    files: ['src/resource-server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', resourceServerBoundary('^\\.(?!/[\\w-]+\\.js$)')] },
  },
  {
    files: ['src/protocol/**/*.ts', 'src/errors/**/*.ts', 'src/cleanup/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...protocolBoundary.patterns, { group: ['**/operations/*'], message: 'protocol/ is called by operations/, never the other way.' }] },
      ],
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
        { patterns: [{ group: ['**/protocol/**', '**/http/**', '**/cli/**', '**/ui/**', '**/operations/**', '**/compose*'], message: 'storage/ implements src/ports/; it never imports protocol, HTTP, CLI or UI code.' }] },
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
  {
    files: ['src/operations/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', operationsBoundary],
      'no-restricted-globals': ['error', { name: 'process', message: 'operations/ gets its configuration passed in.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'operations/ takes a Clock.' },
        { object: 'Math', property: 'random', message: 'operations/ takes a RandomSource.' },
      ],
    },
  },
);
