/**
 * Gateway mode (`latchkey gateway`, PRODUCT §12): the options that put an MCP server, HTTP or stdio, behind
 * Latchkey, checked when the configuration loads, and the protected resource the gateway is.
 */
import type { ProtectedResource } from './resources.js';

/** What the gateway fronts, and how. */
export interface GatewayConfig {
  /** The upstream MCP server's Streamable HTTP URL, or null. */
  upstream: string | null;
  /** The stdio MCP server's command and arguments, or empty. */
  command: string[];
  path: string;
  resourceName: string;
  scopes: string[];
  /** Tool name patterns (`*`, `?`) → the scopes a call to a matching tool needs, beyond `scopes`. */
  toolScopes: Record<string, string[]>;
  toolList: 'all' | 'permitted';
  revocationCacheSeconds: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  /** Seconds the upstream may take to start answering. */
  timeoutSeconds: number;
  /** Seconds an answer's stream may stay silent. */
  idleTimeoutSeconds: number;
  maxSessions: number;
  maxSessionsPerUser: number;
  /** Seconds a stdio session may stay unused before its process is stopped. */
  sessionIdleSeconds: number;
  /** Environment variables passed from Latchkey's environment to stdio servers. */
  childEnv: string[];
  rateLimit: { enabled: boolean; userPoints: number; clientPoints: number; durationSeconds: number };
  auditArguments: boolean;
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** MCP tool names (2025-11-25 §Tools): letters, digits, `_ - . /`; patterns add `*` and `?`. */
const toolPattern = /^[A-Za-z0-9_.\-/*?]{1,128}$/;

/** Checks `gateway.toolScopes`: an object from tool name patterns to lists of scopes. */
export function parseToolScopes(value: unknown): Record<string, string[]> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'an object from tool name patterns to lists of scopes, e.g. {"delete_*": ["notes:write"]}';
  const result: Record<string, string[]> = {};
  for (const [pattern, scopes] of Object.entries(value)) {
    if (!toolPattern.test(pattern)) return `tool name patterns of letters, digits, _ - . / and the wildcards * ? (not "${pattern.slice(0, 60)}")`;
    if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || !scopeToken.test(s))) {
      return `a non-empty list of scope names (RFC 6749 §3.3) for the tools "${pattern}"`;
    }
    result[pattern] = [...new Set(scopes as string[])];
  }
  return result;
}

/** Checks `gateway.command`: the stdio server's program and its arguments. */
export function parseGatewayCommand(value: unknown): string[] | string {
  if (!Array.isArray(value) || value.some((part) => typeof part !== 'string' || part.includes('\0'))) return 'a list of strings: the program, then its arguments';
  if (value.length > 0 && (value[0] as string).trim() === '') return 'a program name first';
  return [...(value as string[])];
}

/** Whether the gateway is on: an upstream URL or a command is configured. */
export function gatewayEnabled(gateway: Pick<GatewayConfig, 'upstream' | 'command'>): boolean {
  return gateway.upstream !== null || gateway.command.length > 0;
}

/** The gateway's resource identifier: the issuer (with its path, under which every endpoint is mounted) and `gateway.path`. */
export function gatewayResourceUri(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path}`;
}

/** Every scope the gateway's tokens may carry: those every request needs, and those of tool calls. */
export function gatewayScopes(gateway: Pick<GatewayConfig, 'scopes' | 'toolScopes'>): string[] {
  return [...new Set([...gateway.scopes, ...Object.values(gateway.toolScopes).flat()])];
}

/**
 * `resources` with the gateway registered as one: its URI, name and every scope a call through it may need. A
 * resource the operator listed at that URI keeps its settings and gains the scopes. With no other resource
 * marked default, the gateway is the audience of requests that name none.
 */
export function withGatewayResource(resources: readonly ProtectedResource[], uri: string, key: (uri: string) => string | undefined, gateway: GatewayConfig): ProtectedResource[] {
  const scopes = gatewayScopes(gateway);
  const existing = resources.findIndex((resource) => key(resource.uri) === key(uri));
  if (existing >= 0) {
    return resources.map((resource, index) => (index === existing ? { ...resource, scopes: [...new Set([...resource.scopes, ...scopes])] } : resource));
  }
  const gatewayResource: ProtectedResource = { uri, name: gateway.resourceName, scopes, machineClients: false, default: !resources.some((r) => r.default) };
  return [...resources, gatewayResource];
}

/** Paths of Latchkey's own that the gateway must not take. */
const reservedPaths = /^\/(\.well-known|authorize|token|register|revoke|introspect|userinfo|jwks\.json|par|login|logout|consent|account|admin|sign-in|healthz|readyz|metrics|openapi|docs|assets|static)(\/|$)/;

/** Cross-option rules of `gateway.*`; an error message, or undefined. */
export function checkGateway(gateway: GatewayConfig): string | undefined {
  if (gateway.upstream !== null && gateway.command.length > 0) return 'gateway.upstream and gateway.command are both set: the gateway fronts one MCP server, over HTTP or over stdio';
  if (gateway.upstream !== null) {
    if (!URL.canParse(gateway.upstream)) return 'gateway.upstream must be an absolute http or https URL';
    const url = new URL(gateway.upstream);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || gateway.upstream.includes('#')) {
      return 'gateway.upstream must be an http or https URL without user information or fragment';
    }
  }
  if (reservedPaths.test(gateway.path)) return `gateway.path ${gateway.path} is one of Latchkey's own paths: choose another, such as /mcp`;
  for (const name of gateway.childEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `gateway.childEnv must list environment variable names (not "${name.slice(0, 60)}")`;
  }
  return undefined;
}
