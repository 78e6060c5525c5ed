import { readFileSync } from "node:fs";
import { boundedFetch } from "./bounded-fetch.js";
import { readClientCredential } from "./client-authentication.js";
import { createGitHubClient } from "./github-client.js";
import { createOidcClient } from "./oidc-client.js";
function createUpstreamClients(providers, options = {}) {
  const readFile = options.readFile ?? ((path) => readFileSync(path, "utf8"));
  const fetchImpl = boundedFetch(options.fetch ?? fetch, { timeoutMs: options.timeoutMs ?? 1e4, maxBytes: options.maxResponseBytes ?? 1048576 });
  const clients = /* @__PURE__ */ new Map();
  for (const provider of providers) {
    const credential = readClientCredential(provider, readFile);
    clients.set(provider.id, provider.kind === "github" ? createGitHubClient(provider, credential, fetchImpl) : createOidcClient(provider, credential, fetchImpl));
  }
  return clients;
}
export {
  createUpstreamClients
};
//# sourceMappingURL=create-upstream-clients.js.map
