// Lint rules that keep the design visible: protocol code stays free of HTTP, SQL and adapters.
import tseslint from 'typescript-eslint';

const protocolBoundary = {
  patterns: [
    { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'protocol/ knows nothing of the web framework: return a result or throw OAuthError.' },
    { group: ['kysely', 'pg', 'better-sqlite3', 'ioredis', 'redis'], message: 'protocol/ sees storage only through storage/ports.ts.' },
    { group: ['**/storage/sql/*', '**/storage/sqlite*', '**/storage/postgres*', '**/storage/open-storage*'], message: 'protocol/ sees storage only through storage/ports.ts.' },
    { group: ['**/http/*', '**/cli/*', '**/ui/*', '**/main*', '**/system*'], message: 'protocol/ is called by http/, cli/ and ui/, never the other way.' },
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
    files: ['src/protocol/**/*.ts', 'src/errors/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...protocolBoundary.patterns, { group: ['**/operations/*'], message: 'protocol/ is called by operations/, never the other way.' }] },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'protocol/ gets its configuration passed in.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'protocol/ takes a Clock.' },
        { object: 'Math', property: 'random', message: 'protocol/ takes a RandomSource.' },
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
