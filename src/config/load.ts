import type { IdentityRule } from './identity.js';
import { readFileSync } from 'node:fs';
import { options, type Config, type OptionSpec } from './defaults.js';
import { checkGateway, gatewayEnabled, gatewayResourceUri, withGatewayResource } from './gateway.js';
import { identityScopes, resourceKey } from './resources.js';
import { parseTrustProxy } from './trust-proxy.js';

/** A configuration that cannot be used; the message names the key and where its value came from. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  /** Path of a JSON configuration file (also `LATCHKEY_CONFIG`). */
  file?: string | undefined;
  env?: Record<string, string | undefined>;
  /**
   * Settings written by code (library mode), shaped like the configuration file: nested objects or dotted keys.
   * They come after the environment and before flags.
   */
  settings?: Record<string, unknown>;
  /** Values from command-line flags, keyed by option key (`port`, `registration.profile`). */
  flags?: Record<string, unknown>;
  /** Values set by code (library mode, tests), keyed by option key; they win over everything else. */
  overrides?: Record<string, unknown>;
}

/**
 * Builds the validated, frozen configuration: defaults, then the file, then the environment, then flags,
 * then overrides. Unknown keys in the file and invalid values are errors that name the key.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const values = new Map<string, { value: unknown; from: string }>();
  for (const option of options) values.set(option.key, { value: option.default, from: 'default' });

  const file = sources.file ?? env['LATCHKEY_CONFIG'];
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      if (!values.has(key)) throw new ConfigError(`Unknown configuration key "${key}" in ${file}`);
      values.set(key, { value, from: file });
    }
  }
  const settings = sources.settings === undefined ? undefined : flattenSettings(sources.settings, 'the settings');

  for (const option of options) {
    for (const name of option.env ?? []) {
      const raw = env[name];
      if (raw !== undefined && raw !== '') {
        values.set(option.key, { value: raw, from: `environment variable ${name}` });
        break;
      }
    }
  }
  for (const [key, value] of Object.entries(settings ?? {})) {
    if (!values.has(key)) throw new ConfigError(`Unknown configuration key "${key}" in the settings`);
    if (value !== undefined) values.set(key, { value, from: 'settings' });
  }
  for (const [source, entries] of [
    ['flag', sources.flags],
    ['override', sources.overrides],
  ] as const) {
    for (const [key, value] of Object.entries(entries ?? {})) {
      if (value === undefined) continue;
      const option = options.find((o) => o.key === key);
      if (!option) throw new ConfigError(`Unknown configuration key "${key}" in ${source}s`);
      values.set(key, { value, from: source === 'flag' ? (option.flag ?? key) : 'override' });
    }
  }

  const config: Record<string, unknown> = {};
  for (const option of options) {
    const { value, from } = values.get(option.key)!;
    setPath(config, option.key, coerce(option, value, from));
  }
  const result = config as unknown as Config;
  checkCrossOptionRules(result);
  if (gatewayEnabled(result.gateway)) {
    // Gateway mode: the gateway is a protected resource like any other, registered here so that the consent
    // page, `invalid_target` and the tokens' audience all know it.
    result.resources = withGatewayResource(result.resources, gatewayResourceUri(result.issuer, result.gateway.path), resourceKey, result.gateway);
  }
  if (result.resources.length > 0) result.scopes.supported = resourceScopes(result);
  const frozen = deepFreeze(result);
  loaded.add(frozen);
  return frozen;
}

/** Every configuration {@link loadConfig} returned, to tell one from settings still to load. */
const loaded = new WeakSet<object>();

/** Whether `value` is a configuration {@link loadConfig} built (rather than settings to load). */
export function isLoadedConfig(value: object): value is Config {
  return loaded.has(value);
}

/** Reads a JSON file whose keys may be nested objects or dotted paths; returns dotted keys. */
function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read configuration file ${file}: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`Configuration file ${file} must hold a JSON object`);
  return flattenSettings(parsed, file);
}

/** Settings whose keys may be nested objects or dotted paths, as dotted keys. */
function flattenSettings(settings: Record<string, unknown>, origin: string): Record<string, unknown> {
  if (!isPlainObject(settings)) throw new ConfigError(`The configuration in ${origin} must be a plain object`);
  // No prototype: a `__proto__` member must land as a key (and be refused as unknown), not replace the prototype.
  const flat: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (isPlainObject(value) && !options.some((o) => o.key === key)) walk(value, key);
      else flat[key] = value;
    }
  };
  walk(settings, '');
  return flat;
}

function coerce(option: OptionSpec, value: unknown, from: string): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(
      `Invalid configuration: ${option.key} (from ${from}) must be ${expected}; got ${JSON.stringify(value)}`,
    );
  };
  const kind = option.kind;
  switch (kind.type) {
    case 'string':
      if (typeof value !== 'string' || value === '') fail('a non-empty string');
      return value;
    case 'nullable-string':
      if (value === null) return null;
      if (typeof value !== 'string' || value.trim() === '') fail('a non-empty string or null');
      return value;
    case 'url': {
      if (typeof value !== 'string' || !URL.canParse(value)) fail('an absolute URL');
      const url = new URL(value as string);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('an http or https URL');
      // An empty `?` or `#` leaves `search` and `hash` empty, so the raw text is checked too.
      if (url.search || url.hash || /[?#]/.test(value as string)) fail('a URL without query or fragment');
      if (url.username || url.password) fail('a URL without user information');
      // RFC 8414 §3.3: clients compare the issuer as a string, so it is normalised the same way with or
      // without a path (lower-case scheme and host, no default port), and loses its trailing slashes.
      return url.origin + url.pathname.replace(/\/+$/, '');
    }
    case 'path':
      if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(value)) fail('a path such as /register');
      return value;
    case 'int': {
      const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isInteger(number) || number < kind.min || number > kind.max) {
        fail(`an integer from ${kind.min} to ${kind.max}`);
      }
      return number;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return fail('true or false');
    case 'enum':
      if (typeof value !== 'string' || !kind.values.includes(value)) fail(`one of ${kind.values.join(', ')}`);
      return value;
    case 'list': {
      const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
      if (!Array.isArray(list)) return fail('a list (a JSON array, or comma-separated in the environment)');
      for (const item of list) {
        if (typeof item !== 'string') fail('a list of strings');
        if (kind.item === 'path' && !/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(item)) fail('a list of paths such as /register');
      }
      return [...list] as string[];
    }
    case 'duration': {
      const seconds = parseDuration(value);
      if (seconds === undefined || seconds < kind.min || seconds > kind.max) {
        fail(`a duration from ${kind.min} to ${kind.max} seconds (a number of seconds, or like 30s, 15m, 24h, 90d)`);
      }
      return seconds;
    }
    case 'trust-proxy': {
      const trust = parseTrustProxy(value);
      if (trust === undefined) fail('true, false, or a list of proxy addresses and CIDR ranges such as 127.0.0.1,10.0.0.0/8');
      return trust;
    }
    case 'json': {
      let parsed = value;
      if (typeof value === 'string') {
        try {
          parsed = JSON.parse(value);
        } catch {
          return fail(`${kind.describe} as JSON`);
        }
      }
      const result = kind.parse(parsed);
      if (typeof result === 'string') fail(result);
      return result;
    }
  }
}

function checkCrossOptionRules(config: Config): void {
  const longestToken = Math.max(config.tokens.accessTokenTtlSeconds, config.tokens.idTokenTtlSeconds);
  if (config.keys.rotationGraceSeconds <= longestToken) {
    throw new ConfigError(
      `Invalid configuration: keys.rotationGraceSeconds (${config.keys.rotationGraceSeconds}) must be longer than the access and ID token lifetimes (${longestToken}), or tokens would stop verifying before they expire`,
    );
  }
  const { policies } = config.registration;
  const named = [
    ['registration.policy', config.registration.policy],
    ...config.registration.softwareStatement.issuers.map((i) => [`the policy of software statement issuer ${i.issuer}`, i.policy ?? null]),
  ] as const;
  for (const [where, name] of named) {
    if (name !== null && !Object.hasOwn(policies, name)) {
      throw new ConfigError(`Invalid configuration: ${where} names the policy "${name}", which registration.policies does not define`);
    }
  }
  for (const [name, policy] of Object.entries(policies)) {
    if (policy.maxRedirectUris !== undefined && policy.maxRedirectUris > config.registration.maxRedirectUris) {
      throw new ConfigError(`Invalid configuration: policy "${name}" maxRedirectUris exceeds registration.maxRedirectUris`);
    }
  }
  const gatewayProblem = checkGateway(config.gateway);
  if (gatewayProblem) throw new ConfigError(`Invalid configuration: ${gatewayProblem}`);
  const keys = config.resources.map((r) => resourceKey(r.uri));
  if (new Set(keys).size !== keys.length) {
    throw new ConfigError('Invalid configuration: resources names one resource twice (URIs are compared without case of scheme and host, default port or trailing slash)');
  }
  const { identity } = config;
  if (identity.providers.length > 0 && ruleIsEmpty(identity.allow)) {
    throw new ConfigError(
      'Invalid configuration: identity.providers is set but identity.allow names nobody: set identity.allow.emailDomains, .emails or .claim, or {"anyone": true} to let everyone with an account at the provider sign in',
    );
  }
  checkEnterpriseProviders(config);
  // Enterprise providers link users too, so a claim rule may name them, and with several it must.
  const providerIds = [...identity.providers, ...identity.enterpriseProviders].map((provider) => provider.id);
  for (const [key, rule] of [['identity.allow', identity.allow], ['identity.admins', identity.admins]] as const) {
    const claimProvider = rule.claim?.provider;
    if (claimProvider !== undefined && !providerIds.includes(claimProvider)) {
      throw new ConfigError(`Invalid configuration: ${key}.claim.provider names "${claimProvider}", which neither identity.providers nor identity.enterpriseProviders defines`);
    }
    if (rule.claim && claimProvider === undefined && providerIds.length > 1) {
      throw new ConfigError(
        `Invalid configuration: ${key}.claim must name the provider whose claim it trusts ("provider": one of ${providerIds.join(', ')}): a claim means what its provider makes of it, and another provider may let anyone set it`,
      );
    }
  }
  const paths = [config.registration.path, ...config.registration.aliases];
  if (new Set(paths).size !== paths.length) {
    throw new ConfigError('Invalid configuration: registration.aliases repeats registration.path or another alias');
  }
}

/**
 * Enterprise providers link users by (id, subject) as upstream providers do: an id shared with an upstream
 * provider would let one's assertions sign in as the other's users. Their first assertions create users, so
 * `identity.allow` must name someone.
 */
function checkEnterpriseProviders(config: Config): void {
  const { identity } = config;
  const shared = identity.enterpriseProviders.find((enterprise) => identity.providers.some((provider) => provider.id === enterprise.id));
  if (shared) {
    throw new ConfigError(`Invalid configuration: identity.enterpriseProviders id "${shared.id}" is also the id of one of identity.providers: give each its own`);
  }
  if (identity.enterpriseProviders.length > 0 && ruleIsEmpty(identity.allow)) {
    throw new ConfigError(
      'Invalid configuration: identity.enterpriseProviders is set but identity.allow names nobody: set identity.allow.emailDomains, .emails or .claim, or {"anyone": true} to accept every user the enterprise provider asserts',
    );
  }
}

/** Whether a sign-in rule names nobody at all. */
function ruleIsEmpty(rule: IdentityRule): boolean {
  return rule.anyone !== true && !rule.emailDomains?.length && !rule.emails?.length && rule.claim === undefined;
}

/** With resources configured, `scopes_supported` is the identity scopes offered plus every resource's scopes. */
function resourceScopes(config: Config): string[] {
  const identity = config.scopes.supported.filter((scope) => identityScopes.includes(scope));
  return [...new Set([...identity, ...config.resources.flatMap((r) => r.scopes)])];
}

const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds from `3600`, `"3600"`, or a number with a unit: `30s`, `15m`, `24h`, `90d`, `2w`. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (units[match[2] || 's'] ?? 1);
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
