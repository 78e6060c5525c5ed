import * as oauth from 'oauth4webapi';
import type { IdentityProvider } from '../config/identity.js';
import { UpstreamSignInError } from './upstream-client.js';
import { upstreamFailure } from './upstream-failure.js';

/**
 * oauth4webapi exports two symbols from build/index.js that its index.d.ts does not declare (openid-client, by the
 * same author, uses them for exactly this): `_nodiscoverycheck` lets processDiscoveryResponse accept a document
 * whose `issuer` is not the URL it was fetched from, and `_expectedIssuer` on the AuthorizationServer gives the
 * `iss` an ID token must carry, computed from the token. Entra ID's multi-tenant endpoints need both: their
 * discovery names an issuer template, and each tenant's ID tokens carry that template with their `tid` in it.
 * Hence the cast; {@link assertMultiTenantSupport} fails at start if a later version drops them.
 */
const hidden = oauth as unknown as { _nodiscoverycheck?: unknown; _expectedIssuer?: unknown };

/** Throws when this oauth4webapi lacks the symbols a multi-tenant provider needs (rather than refusing every sign-in). */
export function assertMultiTenantSupport(provider: IdentityProvider): void {
  if (provider.multiTenantIssuer !== null && (typeof hidden._nodiscoverycheck !== 'symbol' || typeof hidden._expectedIssuer !== 'symbol')) {
    throw new Error(`identity provider "${provider.id}": this version of oauth4webapi cannot verify multi-tenant Entra ID tokens`);
  }
}

const tenantId = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A regular expression for the template with a tenant id (a GUID) in place of `{tenantid}`. */
export function tenantIssuerPattern(template: string): RegExp {
  const [before = '', after = ''] = template.split('{tenantid}');
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${escape(before)}${tenantId}${escape(after)}$`, 'i');
}

/** Fetches and checks the provider's discovery document once; `options` carry the fetch and the http allowance. */
async function discover(provider: IdentityProvider, options: oauth.DiscoveryRequestOptions): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(provider.issuer!);
  const response = await oauth.discoveryRequest(issuer, options);
  const template = provider.multiTenantIssuer;
  if (template === null) return oauth.processDiscoveryResponse(issuer, response);

  const as = await oauth.processDiscoveryResponse(hidden._nodiscoverycheck as unknown as URL, response);
  // `common` and `organizations` name the template; `consumers` names the one tenant of personal accounts.
  if (as.issuer !== template && !tenantIssuerPattern(template).test(as.issuer)) {
    throw new UpstreamSignInError('upstream_error', `${provider.name} could not be set up for sign-in (its discovery names an unexpected issuer).`, `discovery issuer ${as.issuer}`);
  }
  const tid = tenantIssuerPattern(template);
  return {
    ...as,
    issuer: template,
    // The `iss` the ID token must carry: the template with its own `tid`. A token without a tenant id gets an
    // expectation no issuer meets.
    [hidden._expectedIssuer as symbol]: (result: { claims: Record<string, unknown> }): string => {
      const claim = result.claims['tid'];
      const expected = typeof claim === 'string' ? template.replace('{tenantid}', claim) : '';
      return tid.test(expected) ? expected : 'urn:latchkey:no-tenant-id';
    },
  };
}

/**
 * The provider's metadata, fetched on first use and kept for `maxAgeMs`. A failed fetch is retried once at once
 * and is not cached, so the next sign-in tries again; when a refresh fails, the metadata already known is used.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function cachedDiscovery(provider: IdentityProvider, options: oauth.DiscoveryRequestOptions, maxAgeMs = 3_600_000): () => Promise<oauth.AuthorizationServer> {
  let known: { as: oauth.AuthorizationServer; at: number } | undefined;
  let pending: Promise<oauth.AuthorizationServer> | undefined;
  const fetchOnce = async (): Promise<oauth.AuthorizationServer> => {
    try {
      return await discover(provider, options);
    } catch {
      return discover(provider, options);
    }
  };
  return async () => {
    if (known && Date.now() - known.at < maxAgeMs) return known.as;
    pending ??= fetchOnce()
      .then((as) => {
        known = { as, at: Date.now() };
        return as;
      })
      .finally(() => {
        pending = undefined;
      });
    try {
      return await pending;
    } catch (error) {
      if (known) return known.as;
      throw upstreamFailure(error, 'discovery', provider.name);
    }
  };
}
