import * as oauth from 'oauth4webapi';
import { isLoopbackUrl, type IdentityProvider } from '../config/identity.js';
import { accessDenied, sameText } from './callback-checks.js';
import { clientAuthentication, importPrivateKey, type ClientCredential } from './client-authentication.js';
import { assertMultiTenantSupport, cachedDiscovery, tenantIssuerPattern } from './oidc-discovery.js';
import { profileFromClaims } from './profile-from-claims.js';
import { UpstreamSignInError, type UpstreamClient, type UpstreamProfile, type UpstreamRoundTrip } from './upstream-client.js';
import { upstreamFailure, type SignInStep } from './upstream-failure.js';

/**
 * An OpenID Connect provider found by discovery: authorization code flow with PKCE (S256), `state` and `nonce`,
 * the ID token verified by oauth4webapi (claims) and against the provider's JWKS (signature), userinfo when the
 * ID token lacks the email claim.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
export function createOidcClient(provider: IdentityProvider, credential: ClientCredential, fetchImpl: typeof fetch): UpstreamClient {
  assertMultiTenantSupport(provider);
  const issuerUrl = new URL(provider.issuer!);
  // Plain http only where the configuration allowed it: a provider on this machine (tests, local development).
  const insecure = issuerUrl.protocol === 'http:' && isLoopbackUrl(issuerUrl);
  const requestOptions = {
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => fetchImpl(url, init as RequestInit),
    [oauth.allowInsecureRequests]: insecure,
  };
  const metadata = cachedDiscovery(provider, requestOptions);
  const client: oauth.Client = { client_id: provider.clientId };
  const jwks: oauth.JWKSCacheInput = {};
  let privateKey: Promise<oauth.PrivateKey> | undefined;

  /** Runs one step of the exchange, turning what it throws into an UpstreamSignInError for that step. */
  const step = async <T>(name: SignInStep, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw upstreamFailure(error, name, provider.name);
    }
  };

  const authenticate = async (as: oauth.AuthorizationServer): Promise<oauth.ClientAuth> => {
    if (credential.type === 'private_key_jwt') {
      privateKey ??= importPrivateKey(credential);
      privateKey.catch(() => (privateKey = undefined));
      return clientAuthentication(credential, as, await privateKey);
    }
    return clientAuthentication(credential, as, undefined);
  };

  /**
   * RFC 9207: the callback's `iss` must be this provider's, and must be there when the provider says it sends it.
   * Checked before anything else in the callback, error responses included, as §2.4 asks. Multi-tenant Entra ID
   * would name the tenant's issuer: it is held to the template here and to the ID token's `iss` later.
   */
  const checkIssuer = (as: oauth.AuthorizationServer, params: URLSearchParams): string | undefined => {
    const iss = params.get('iss') ?? undefined;
    const fits = iss === undefined || iss === as.issuer || (provider.multiTenantIssuer !== null && tenantIssuerPattern(provider.multiTenantIssuer).test(iss));
    if (!fits || (iss === undefined && as.authorization_response_iss_parameter_supported === true)) {
      throw new UpstreamSignInError('issuer_mismatch', `The response did not come from ${provider.name}. Start the sign-in again.`, `callback iss ${iss === undefined ? 'missing' : JSON.stringify(iss.slice(0, 200))}`);
    }
    return iss;
  };

  return {
    provider,

    async begin(redirectUri) {
      const as = await metadata();
      const endpoint = as.authorization_endpoint;
      if (!endpoint || !URL.canParse(endpoint) || !['https:', ...(insecure ? ['http:'] : [])].includes(new URL(endpoint).protocol)) {
        throw new UpstreamSignInError('upstream_error', `${provider.name} could not be set up for sign-in (no usable authorization endpoint).`);
      }
      const roundTrip: UpstreamRoundTrip = { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), codeVerifier: oauth.generateRandomCodeVerifier() };
      const url = new URL(endpoint);
      url.searchParams.set('client_id', provider.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', provider.scopes.join(' '));
      url.searchParams.set('state', roundTrip.state);
      url.searchParams.set('nonce', roundTrip.nonce!);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(roundTrip.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return { url, roundTrip };
    },

    async complete(callbackUrl, redirectUri, roundTrip): Promise<UpstreamProfile> {
      const as = await metadata();
      const params = callbackUrl.searchParams;
      const iss = checkIssuer(as, params);
      if (!sameText(params.get('state'), roundTrip.state)) {
        throw new UpstreamSignInError('state_mismatch', `This sign-in with ${provider.name} was not started here, or has been used already. Start it again.`);
      }
      let callback: URLSearchParams;
      try {
        // Checks again (state, iss, an error, no implicit-flow tokens), and gives the parameters the token request takes.
        callback = oauth.validateAuthResponse(iss === undefined ? as : { ...as, issuer: iss }, client, params, roundTrip.state);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) throw accessDenied(provider.name, error.error, error.error_description);
        throw upstreamFailure(error, 'token', provider.name);
      }

      const auth = await step('token', () => authenticate(as));
      const response = await step('token', () => oauth.authorizationCodeGrantRequest(as, client, auth, callback, redirectUri, roundTrip.codeVerifier, requestOptions));
      const result = await step('id_token', () =>
        oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: roundTrip.nonce ?? oauth.expectNoNonce, requireIdToken: true }),
      );
      // oauth4webapi trusts an ID token from the token endpoint on TLS alone (OpenID Connect Core §3.1.3.7); its
      // signature is checked against the provider's keys as well, so that a compromised TLS path or a proxy
      // cannot hand in claims of its own.
      await step('id_token', () => oauth.validateApplicationLevelSignature(as, response, { ...requestOptions, [oauth.jwksCache]: jwks }));
      const claims = oauth.getValidatedIdTokenClaims(result)!;
      if (iss !== undefined && claims.iss !== iss) {
        throw new UpstreamSignInError('issuer_mismatch', `The response did not come from ${provider.name}. Start the sign-in again.`, 'callback iss differs from the ID token iss');
      }
      if (claims.sub.trim() === '') throw new UpstreamSignInError('no_subject', `${provider.name} did not say who signed in.`);

      let userinfo: Record<string, unknown> = {};
      if (claims[provider.claims.email] === undefined && as.userinfo_endpoint) {
        const answer = await step('userinfo', () => oauth.userInfoRequest(as, client, result.access_token, requestOptions));
        userinfo = await step('userinfo', () => oauth.processUserInfoResponse(as, client, claims.sub, answer));
      }
      return profileFromClaims(provider, { ...claims }, userinfo);
    },
  };
}
