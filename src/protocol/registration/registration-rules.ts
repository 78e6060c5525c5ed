import type { Config } from '../../config/defaults.js';
import type { RegistrationPolicy } from '../../config/policies.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientStore } from '../../ports/clients.js';
import { jwtBearerGrantType, type ClientMetadata } from '../../ports/client-metadata.js';
import { detectLookAlike } from './look-alike.js';
import { applyRegistrationPolicy } from './registration-policy.js';
import { validateJwks } from './validate-metadata.js';

/**
 * The rules every client obeys however it arrives: registered (RFC 7591), updated (RFC 7592) or known by its
 * Client ID Metadata Document (PRODUCT.md §11: "A metadata-document client obeys everything a registered one
 * does"). One copy, so that no way in skips a check.
 */

/** Validated metadata after the rules: the policy applied (by name, as stored with the client) and the look-alike flag. */
export interface RuledMetadata {
  metadata: ClientMetadata;
  policyName: string | null;
  policy: RegistrationPolicy | undefined;
  lookAlikeOf: string | null;
}

/** How the rules apply to one client. */
export interface RuleOptions {
  /** The policy the client is under, by name (an initial access token's, a statement issuer's, or the server's default); null for none. */
  policyName: string | null;
  /** Whether the client named its scopes itself (a policy then refuses a request for none it allows). */
  scopeRequested: boolean;
  /** URIs that say who the client is besides its redirects: a metadata document's `client_id` URL. */
  identityUris?: string[];
  /**
   * Whether someone vouched for the client: it presented an initial access token or a trusted software
   * statement. Only then may its policy allow `client_credentials` (PRODUCT.md §8).
   */
  vouched?: boolean;
}

/**
 * Applies the rules to metadata that passed {@link validateClientMetadata}: each `jwks` key must import, the
 * policy (redirect hosts and schemes, authentication methods, scopes), and the look-alike name check, which
 * judges the redirects and any {@link RuleOptions.identityUris} together.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-5
 * @throws {OAuthError} `invalid_redirect_uri`, `invalid_client_metadata`
 */
export async function applyRegistrationRules(metadata: ClientMetadata, config: Config, options: RuleOptions): Promise<RuledMetadata> {
  // Most clients register no keys: no promise to wait for on the hot path then.
  if (metadata.jwks !== undefined) await validateJwks(metadata.jwks);
  const { policyName } = options;
  const policy = policyName === null ? undefined : config.registration.policies[policyName];
  const ruled = withoutMachineGrant(
    policy ? applyRegistrationPolicy(metadata, policy, { scopeRequested: options.scopeRequested }) : metadata,
    options.vouched === true && policy?.allowClientCredentials === true,
  );
  const lookAlikeOf = config.registration.flagLookAlikes
    ? detectLookAlike(ruled.client_name ?? '', [...ruled.redirect_uris, ...(options.identityUris ?? [])])
    : null;
  return { metadata: ruled, policyName, policy, lookAlikeOf };
}

/**
 * `client_credentials` gives tokens without a user, so it is never open to anyone who registers: it stays only
 * for a client someone vouched for under a policy that allows it. Otherwise it is dropped from what is
 * registered (RFC 7591 §2: the server may register other grant types than asked, and the response shows them),
 * or, when it was all the client asked for, refused.
 *
 * @throws {OAuthError} `invalid_client_metadata`
 */
function withoutMachineGrant(metadata: ClientMetadata, allowed: boolean): ClientMetadata {
  if (allowed || !metadata.grant_types.includes('client_credentials')) return metadata;
  const grantTypes = metadata.grant_types.filter((grant) => grant !== 'client_credentials');
  if (!grantTypes.includes('authorization_code') && !grantTypes.includes(jwtBearerGrantType)) {
    throw new OAuthError(
      'invalid_client_metadata',
      'client_credentials (tokens without a user) is not available through open registration; ask the operator for a client, or register with an initial access token whose policy allows it',
    );
  }
  return { ...metadata, grant_types: grantTypes };
}

/**
 * A policy's `maxClients`: refused when as many clients as it allows are registered under it. Counted before the
 * insert, not with it: concurrent registrations can pass the cap by the number in flight.
 *
 * @throws {OAuthError} `invalid_client_metadata`
 */
export async function checkClientCap(ruled: Pick<RuledMetadata, 'policyName' | 'policy'>, clients: Pick<ClientStore, 'countClientsWithPolicy'>): Promise<void> {
  const max = ruled.policy?.maxClients;
  if (max === undefined || ruled.policyName === null) return;
  if ((await clients.countClientsWithPolicy(ruled.policyName)) >= max) {
    throw new OAuthError('invalid_client_metadata', 'no more clients can be registered under this policy', {
      detail: `policy ${ruled.policyName} is at its maxClients (${max})`,
    });
  }
}
