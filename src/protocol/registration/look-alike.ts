import { mixedScriptReading } from './mixed-script.js';
import { nameSkeleton, nameSkeletonWords } from './name-skeleton.js';

/**
 * A well-known agent: the names it goes by and where its authorization responses legitimately go. Anyone can
 * register any `client_name` (RFC 7591 §5 warns of exactly this), but not a redirect to these hosts.
 */
interface KnownAgent {
  /** How the consent page names it. */
  displayName: string;
  /** The names it goes by, as a reader would write them; matched as whole words after folding. */
  names: string[];
  /** Hosts its https redirects use; their subdomains count too (`www.cursor.com`, `insiders.vscode.dev`). */
  hosts: string[];
  /** Private-use URI schemes it redirects to (RFC 8252 §7.1), without the colon. */
  schemes?: string[];
  /** It runs on the user's device, so loopback redirects are its own (RFC 8252 §7.3). */
  loopback?: boolean;
}

const anthropicHosts = ['claude.ai', 'claude.com', 'anthropic.com'];
const openaiHosts = ['chatgpt.com', 'openai.com'];

/**
 * The agents users are likely to trust by name. More specific names come first (Claude Code before Claude):
 * words a name has matched are not matched again, so `Claude Code` on a loopback redirect is the desktop agent,
 * not the web one. Web-only agents (Claude, ChatGPT) get no loopback: their redirects never leave their sites.
 */
const knownAgents: KnownAgent[] = [
  { displayName: 'Claude Code', names: ['Claude Code'], hosts: anthropicHosts, loopback: true },
  { displayName: 'Claude', names: ['Claude', 'Anthropic'], hosts: anthropicHosts },
  { displayName: 'Codex', names: ['OpenAI Codex', 'Codex'], hosts: openaiHosts, loopback: true },
  { displayName: 'ChatGPT', names: ['ChatGPT', 'OpenAI'], hosts: openaiHosts },
  { displayName: 'Cursor', names: ['Cursor'], hosts: ['cursor.com', 'cursor.sh'], schemes: ['cursor'], loopback: true },
  {
    displayName: 'Visual Studio Code',
    names: ['Visual Studio Code', 'VS Code'],
    hosts: ['vscode.dev', 'code.visualstudio.com'],
    schemes: ['vscode', 'vscode-insiders'],
    loopback: true,
  },
  { displayName: 'GitHub Copilot', names: ['GitHub Copilot', 'Copilot'], hosts: ['github.com', 'githubcopilot.com'], schemes: ['vscode'], loopback: true },
  { displayName: 'Windsurf', names: ['Windsurf', 'Codeium'], hosts: ['windsurf.com', 'codeium.com'], schemes: ['windsurf'], loopback: true },
  { displayName: 'Zed', names: ['Zed'], hosts: ['zed.dev'], schemes: ['zed'], loopback: true },
  { displayName: 'Gemini', names: ['Gemini'], hosts: ['gemini.google.com'], loopback: true },
  // Runs on localhost only (its web UI on port 6274); a look-alike on any other host is not the Inspector.
  { displayName: 'MCP Inspector', names: ['MCP Inspector'], hosts: [], loopback: true },
];

/** Each agent with its names as skeletons, folded once. */
const agents = knownAgents.map((agent) => ({ agent, skeletons: agent.names.map(nameSkeleton) }));

/** The loopback hosts registration accepts for `http` (PRODUCT.md §3, RFC 8252 §7.3). */
const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * What `clientName` imitates, for the consent page to warn of: the display name of the well-known agent it
 * imitates while some URI in `clientUris` is not that agent's, or, for a name that imitates no agent, how it
 * reads when it mixes scripts to be misread (`Yоur Bаnk` with Cyrillic letters: `Your Bank`). Null when the name
 * imitates nothing, or when every URI is the agent's own (the genuine client, or a look-alike name that can only
 * send codes to the agent). `clientUris` are the redirect URIs, and for a metadata-document client also its
 * `client_id` URL, which says who publishes it. Registration still succeeds: the result is stored as
 * `lookAlikeOf` and the consent page warns the user.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-5
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-4.2.2
 * @see https://www.unicode.org/reports/tr39/#Mixed_Script_Detection
 */
export function detectLookAlike(clientName: string, clientUris: string[]): string | null {
  const { imitated, misreading } = readName(clientName);
  for (const agent of imitated) {
    if (!clientUris.every((uri) => isAgentRedirect(agent, uri))) return agent.displayName;
  }
  return misreading;
}

/** What a name says of itself, apart from any URI: the agents it imitates, else how it reads when mixing scripts. */
interface NameReading {
  imitated: readonly KnownAgent[];
  misreading: string | null;
}

/**
 * The most names whose reading is kept. Agents register under the same few names (`Claude Code`, `Cursor`,
 * `Visual Studio Code`) again and again, and reading one costs about 10 µs, 4% of a registration; a reading
 * depends on the name alone, so it is kept. Names past this many push out the oldest, so a registrant sending a
 * new name each time costs what it did without the cache, and the memory stays bounded (each name is at most
 * `registration.maxClientNameLength` characters).
 */
export const nameReadingsKept = 1024;
const nameReadings = new Map<string, NameReading>();

function readName(clientName: string): NameReading {
  const kept = nameReadings.get(clientName);
  if (kept) return kept;
  const imitated = imitatedAgents(clientName);
  const reading: NameReading = { imitated, misreading: imitated.length > 0 ? null : mixedScriptReading(clientName) };
  if (nameReadings.size >= nameReadingsKept) nameReadings.delete(nameReadings.keys().next().value as string);
  nameReadings.set(clientName, reading);
  return reading;
}

/**
 * The agents whose name appears in `clientName` as a run of whole words, read once with digits and symbols as
 * letters (`C1aude`) and once as separators (`Claude3`).
 */
function imitatedAgents(clientName: string): KnownAgent[] {
  const found = new Set<KnownAgent>();
  for (const leetAsLetters of [true, false]) {
    const words = nameSkeletonWords(clientName, leetAsLetters);
    const used = words.map(() => false);
    for (const { agent, skeletons } of agents) {
      for (const skeleton of skeletons) {
        const span = findWordRun(words, used, skeleton);
        if (span === undefined) continue;
        found.add(agent);
        for (let i = span.start; i < span.end; i++) used[i] = true;
      }
    }
  }
  return [...found];
}

/**
 * A run of consecutive unused words that spells `skeleton` when joined: the separators inside the run are
 * dropped (`V S Code`, `Chat-GPT`), while its ends must be word ends (`Claudette` does not contain `claude`).
 */
function findWordRun(words: string[], used: boolean[], skeleton: string): { start: number; end: number } | undefined {
  for (let start = 0; start < words.length; start++) {
    let joined = '';
    for (let end = start; end < words.length && !used[end] && joined.length < skeleton.length; end++) {
      joined += words[end];
      if (joined === skeleton) return { start, end: end + 1 };
    }
  }
  return undefined;
}

/** Whether a redirect URI goes somewhere the agent controls: one of its hosts over https, its scheme, or loopback. */
function isAgentRedirect(agent: KnownAgent, uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https') {
    const host = url.hostname.toLowerCase();
    if (loopbackHosts.has(host)) return agent.loopback === true;
    return scheme === 'https' && agent.hosts.some((domain) => host === domain || host.endsWith(`.${domain}`));
  }
  return agent.schemes?.includes(scheme) ?? false;
}
