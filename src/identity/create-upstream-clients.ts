import { readFileSync } from 'node:fs';
import type { IdentityProvider } from '../config/identity.js';
import { boundedFetch } from './bounded-fetch.js';
import { readClientCredential } from './client-authentication.js';
import { createGitHubClient } from './github-client.js';
import { createOidcClient } from './oidc-client.js';
import type { UpstreamClient } from './upstream-client.js';

export interface UpstreamClientsOptions {
  /** Reads a client secret or private key file (tests give files in memory); `fs.readFileSync` as UTF-8 by default. */
  readFile?: (path: string) => string;
  /** The fetch calls to providers go through; the global fetch by default. */
  fetch?: typeof fetch;
  /** Milliseconds one call to a provider may take, body included (10 s by default). */
  timeoutMs?: number;
  /** The largest response body read from a provider, in bytes (1 MiB by default: discovery, JWKS and tokens are far smaller). */
  maxResponseBytes?: number;
}

/**
 * One {@link UpstreamClient} per configured provider, by id. Secret and key files are read here, so a missing or
 * unusable one throws (and stops the server at start); discovery waits for the first sign-in.
 */
export function createUpstreamClients(providers: readonly IdentityProvider[], options: UpstreamClientsOptions = {}): Map<string, UpstreamClient> {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const fetchImpl = boundedFetch(options.fetch ?? fetch, { timeoutMs: options.timeoutMs ?? 10_000, maxBytes: options.maxResponseBytes ?? 1_048_576 });
  const clients = new Map<string, UpstreamClient>();
  for (const provider of providers) {
    const credential = readClientCredential(provider, readFile);
    clients.set(provider.id, provider.kind === 'github' ? createGitHubClient(provider, credential, fetchImpl) : createOidcClient(provider, credential, fetchImpl));
  }
  return clients;
}
