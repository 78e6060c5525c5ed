import { mixedScriptReading } from "./mixed-script.js";
import { nameSkeleton, nameSkeletonWords } from "./name-skeleton.js";
const anthropicHosts = ["claude.ai", "claude.com", "anthropic.com"];
const openaiHosts = ["chatgpt.com", "openai.com"];
const knownAgents = [
  { displayName: "Claude Code", names: ["Claude Code"], hosts: anthropicHosts, loopback: true },
  { displayName: "Claude", names: ["Claude", "Anthropic"], hosts: anthropicHosts },
  { displayName: "Codex", names: ["OpenAI Codex", "Codex"], hosts: openaiHosts, loopback: true },
  { displayName: "ChatGPT", names: ["ChatGPT", "OpenAI"], hosts: openaiHosts },
  { displayName: "Cursor", names: ["Cursor"], hosts: ["cursor.com", "cursor.sh"], schemes: ["cursor"], loopback: true },
  {
    displayName: "Visual Studio Code",
    names: ["Visual Studio Code", "VS Code"],
    hosts: ["vscode.dev", "code.visualstudio.com"],
    schemes: ["vscode", "vscode-insiders"],
    loopback: true
  },
  { displayName: "GitHub Copilot", names: ["GitHub Copilot", "Copilot"], hosts: ["github.com", "githubcopilot.com"], schemes: ["vscode"], loopback: true },
  { displayName: "Windsurf", names: ["Windsurf", "Codeium"], hosts: ["windsurf.com", "codeium.com"], schemes: ["windsurf"], loopback: true },
  { displayName: "Zed", names: ["Zed"], hosts: ["zed.dev"], schemes: ["zed"], loopback: true },
  { displayName: "Gemini", names: ["Gemini"], hosts: ["gemini.google.com"], loopback: true },
  // Runs on localhost only (its web UI on port 6274); a look-alike on any other host is not the Inspector.
  { displayName: "MCP Inspector", names: ["MCP Inspector"], hosts: [], loopback: true }
];
const agents = knownAgents.map((agent) => ({ agent, skeletons: agent.names.map(nameSkeleton) }));
const loopbackHosts = /* @__PURE__ */ new Set(["127.0.0.1", "[::1]", "localhost"]);
function detectLookAlike(clientName, clientUris) {
  const imitated = imitatedAgents(clientName);
  for (const agent of imitated) {
    if (!clientUris.every((uri) => isAgentRedirect(agent, uri))) return agent.displayName;
  }
  return imitated.length > 0 ? null : mixedScriptReading(clientName);
}
function imitatedAgents(clientName) {
  const found = /* @__PURE__ */ new Set();
  for (const leetAsLetters of [true, false]) {
    const words = nameSkeletonWords(clientName, leetAsLetters);
    const used = words.map(() => false);
    for (const { agent, skeletons } of agents) {
      for (const skeleton of skeletons) {
        const span = findWordRun(words, used, skeleton);
        if (span === void 0) continue;
        found.add(agent);
        for (let i = span.start; i < span.end; i++) used[i] = true;
      }
    }
  }
  return [...found];
}
function findWordRun(words, used, skeleton) {
  for (let start = 0; start < words.length; start++) {
    let joined = "";
    for (let end = start; end < words.length && !used[end] && joined.length < skeleton.length; end++) {
      joined += words[end];
      if (joined === skeleton) return { start, end: end + 1 };
    }
  }
  return void 0;
}
function isAgentRedirect(agent, uri) {
  let url;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === "http" || scheme === "https") {
    const host = url.hostname.toLowerCase();
    if (loopbackHosts.has(host)) return agent.loopback === true;
    return scheme === "https" && agent.hosts.some((domain) => host === domain || host.endsWith(`.${domain}`));
  }
  return agent.schemes?.includes(scheme) ?? false;
}
export {
  detectLookAlike
};
//# sourceMappingURL=look-alike.js.map
