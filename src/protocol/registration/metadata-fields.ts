import type { Config } from '../../config/defaults.js';
import { assertionSigningAlgorithms } from '../client-assertion.js';

type Limits = Config['registration'];

/** How one registration request field is checked before any cross-field rule runs. */
export interface FieldRule {
  type: 'string' | 'string[]' | 'object' | 'boolean';
  /** The RFC 7591 §3.2.2 error a bad value earns. */
  error: 'invalid_client_metadata' | 'invalid_redirect_uri' | 'invalid_software_statement';
  /** The longest string (or array item) accepted. */
  maxLength: (limits: Limits) => number;
  /** The most array items accepted. */
  maxItems?: (limits: Limits) => number;
  /** Checks one string value; returns why it is refused, or nothing. */
  check?: (value: string) => string | undefined;
}

/**
 * Control characters (C0, DEL, C1), format characters (bidirectional overrides and isolates, zero-width
 * characters, the BOM), private-use characters and line/paragraph separators. In a name shown on a consent
 * page they hide or reorder text (CVE-2021-42574, "Trojan Source").
 */
const unsafeText = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;

/** Free text shown to people: well-formed Unicode, none of {@link unsafeText}, not blank. */
export function checkDisplayText(value: string): string | undefined {
  if (value.trim() === '') return 'must not be blank';
  if (!value.isWellFormed()) return 'must be well-formed Unicode';
  if (unsafeText.test(value)) return 'must not contain control, formatting or bidirectional-override characters';
  return undefined;
}

/**
 * RFC 7591 §2: URLs of web pages and documents about the client. They are shown to people and fetched, so
 * only absolute `https` URLs without user information, control or formatting (bidirectional-override)
 * characters are accepted, and only well-formed Unicode, which PostgreSQL's `jsonb` can store.
 */
export function checkHttpsUrl(value: string): string | undefined {
  // The authority must run to the first `/`, `?`, `#` or the end, so `https://user@evil.example` fails here.
  if (!/^https:\/\/[^/?#@\\\s]+(?:[/?#]|$)/i.test(value) || !URL.canParse(value)) {
    return 'must be an absolute https URL without user information';
  }
  if (!value.isWellFormed() || /[\s\\<>"^`{|}\p{Cc}\p{Cf}]/u.test(value)) {
    return 'must not contain spaces, control or formatting characters or backslashes';
  }
  return undefined;
}

/**
 * For JSON object values (`jwks`): every string, member names included, is well-formed Unicode without
 * control characters. PostgreSQL's `jsonb` refuses `\u0000` and lone surrogates, so letting them through
 * would turn a bad request into a failed insert (a `500`) instead of a `400`.
 */
export function checkJsonText(value: unknown): string | undefined {
  const unsafe = (text: string): boolean => !text.isWellFormed() || /\p{Cc}/u.test(text);
  const walk = (node: unknown): boolean => {
    if (typeof node === 'string') return unsafe(node);
    if (typeof node !== 'object' || node === null) return false;
    return Object.entries(node).some(([name, child]) => unsafe(name) || walk(child));
  };
  return walk(value) ? 'must not contain control characters or ill-formed Unicode' : undefined;
}

/** RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`, tokens separated by spaces. */
export function checkScope(value: string): string | undefined {
  // A blank scope means none was asked for (the default applies), as some clients send "".
  return /^ *$|^[\x21\x23-\x5B\x5D-\x7E]+( +[\x21\x23-\x5B\x5D-\x7E]+)* *$/.test(value.trimStart())
    ? undefined
    : 'must be space-separated scope tokens of printable ASCII without quotes or backslashes';
}

/** OIDC Registration §2: a JWS algorithm for `private_key_jwt` assertions, one this server verifies (never `none` or HMAC). */
function checkAssertionAlgorithm(value: string): string | undefined {
  return (assertionSigningAlgorithms as readonly string[]).includes(value) ? undefined : `must be one of ${assertionSigningAlgorithms.join(', ')}`;
}

/** Identifiers such as `software_id`: printable, no control characters. */
function checkIdentifier(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  return checkDisplayText(value);
}

/**
 * The registration request fields Latchkey understands (RFC 7591 §2, §2.3; OIDC Registration for
 * `application_type` and `token_endpoint_auth_signing_alg`). Fields not in this table are ignored and not stored.
 */
export const metadataFields = {
  redirect_uris: {
    type: 'string[]',
    error: 'invalid_redirect_uri',
    maxLength: (l) => l.maxUriLength,
    maxItems: (l) => l.maxRedirectUris,
  },
  client_name: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxClientNameLength, check: checkDisplayText },
  client_uri: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  logo_uri: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  tos_uri: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  policy_uri: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  jwks_uri: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  jwks: { type: 'object', error: 'invalid_client_metadata', maxLength: (l) => l.maxStringLength * 16 },
  grant_types: { type: 'string[]', error: 'invalid_client_metadata', maxLength: (l) => l.maxStringLength, maxItems: () => 20 },
  response_types: { type: 'string[]', error: 'invalid_client_metadata', maxLength: (l) => l.maxStringLength, maxItems: () => 20 },
  token_endpoint_auth_method: { type: 'string', error: 'invalid_client_metadata', maxLength: () => 64 },
  token_endpoint_auth_signing_alg: { type: 'string', error: 'invalid_client_metadata', maxLength: () => 16, check: checkAssertionAlgorithm },
  scope: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxStringLength, check: checkScope },
  contacts: {
    type: 'string[]',
    error: 'invalid_client_metadata',
    maxLength: () => 320,
    maxItems: (l) => l.maxContacts,
    check: checkIdentifier,
  },
  software_id: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxStringLength, check: checkIdentifier },
  software_version: { type: 'string', error: 'invalid_client_metadata', maxLength: (l) => l.maxStringLength, check: checkIdentifier },
  software_statement: { type: 'string', error: 'invalid_software_statement', maxLength: () => 16_384 },
  application_type: { type: 'string', error: 'invalid_client_metadata', maxLength: () => 16 },
  /** RFC 9126 §6: the client's authorization requests must be pushed; `/authorize` refuses any other. */
  require_pushed_authorization_requests: { type: 'boolean', error: 'invalid_client_metadata', maxLength: () => 'false'.length },
} as const satisfies Record<string, FieldRule>;

export type MetadataField = keyof typeof metadataFields;
