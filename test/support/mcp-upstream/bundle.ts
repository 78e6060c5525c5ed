import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The stdio test server (stdio-server.ts) bundled into one file that Node runs without tsx: a child per MCP
 * session starts in a fraction of the time, which matters when tests start a hundred.
 */
export async function bundleStdioServer(into?: string): Promise<{ dir: string; file: string; env: Record<string, string>; cleanup(): Promise<void> }> {
  // In a directory of the caller's (who removes it), or in a temporary one that `cleanup` removes.
  const dir = into ?? (await mkdtemp(join(tmpdir(), 'latchkey-stdio-')));
  const file = join(dir, 'stdio-server.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./stdio-server.ts', import.meta.url))],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    // CommonJS dependencies inside an ESM bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return { dir, file, env: { NODE_COMPILE_CACHE: join(dir, 'compile-cache') }, cleanup: async () => {
      if (into === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
