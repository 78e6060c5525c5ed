import type { GatewayConfig } from '../config/gateway.js';

/**
 * Tool-level scopes (PRODUCT §12): which scopes a `tools/call` of a tool needs, from `gateway.scopes` and the
 * patterns of `gateway.toolScopes`. A tool that matches several patterns needs the scopes of all of them, so
 * that adding a broad pattern can never lower what a narrow one asks for.
 */
export interface ToolScopes {
  /** Every scope a call to `tool` needs, `gateway.scopes` first. */
  scopesFor(tool: string): string[];
  /** The scopes of `scopesFor(tool)` that `granted` lacks. */
  missingFor(tool: string, granted: ReadonlySet<string>): string[];
}

export function createToolScopes(gateway: Pick<GatewayConfig, 'scopes' | 'toolScopes'>): ToolScopes {
  const rules = Object.entries(gateway.toolScopes).map(([pattern, scopes]) => ({ match: globToRegExp(pattern), scopes }));
  // Tool names repeat: remember the answer for the names seen, up to a bound (callers choose the names).
  const cache = new Map<string, string[]>();
  function scopesFor(tool: string): string[] {
    let scopes = cache.get(tool);
    if (scopes === undefined) {
      scopes = [...new Set([...gateway.scopes, ...rules.filter((rule) => rule.match.test(tool)).flatMap((rule) => rule.scopes)])];
      // Only plausible names are kept: a caller could send a million names of a megabyte each.
      if (tool.length <= 128) {
        if (cache.size >= 1000) cache.clear();
        cache.set(tool, scopes);
      }
    }
    return scopes;
  }
  return {
    scopesFor,
    missingFor: (tool, granted) => scopesFor(tool).filter((scope) => !granted.has(scope)),
  };
}

/** A tool name pattern as an anchored expression: `*` any run of characters, `?` exactly one, the rest literal. */
export function globToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's');
}
