// The Node.js that runs the server and the tests: this one when it is 22 or newer (engines.node), otherwise Node 24
// from the npm registry's `node` package, installed once into .ci/tools by .ci/node.sh (the registry is all some
// machines reach, and their own Node may be older). So `npm ci && npm test` and `npm start` work as the README
// says on such a machine too, with nothing else to install by hand.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The path of a Node.js binary of a supported version (22 or newer). */
export function supportedNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 22) return process.execPath;
  console.error(`Node ${process.version} is older than Latchkey supports (22 or newer): using Node 24 from .ci/tools (source .ci/node.sh && use_node 24).`);
  const found = spawnSync('bash', ['-c', 'source .ci/node.sh >&2 && use_node 24 >&2 && command -v node'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    console.error('Could not install Node 24 into .ci/tools; install Node.js 22 or newer and run again.');
    process.exit(1);
  }
  return path;
}
