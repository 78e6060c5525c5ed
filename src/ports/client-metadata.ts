/**
 * Registered client metadata, with RFC field names.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata (application_type)
 */
export interface ClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  grant_types: GrantType[];
  response_types: ResponseType[];
  scope: string;
  application_type: 'native' | 'web';
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  jwks_uri?: string;
  jwks?: { keys: Record<string, unknown>[] };
  /** OIDC Registration §2: the one JWS algorithm the client signs its `private_key_jwt` assertions with. */
  token_endpoint_auth_signing_alg?: string;
  contacts?: string[];
  software_id?: string;
  software_version?: string;
  /** The software statement the client registered with, returned unmodified (RFC 7591 §3.2.1). */
  software_statement?: string;
  /** RFC 9126 §6: `/authorize` accepts only the requests this client pushed to `/par`. */
  require_pushed_authorization_requests?: boolean;
}

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | typeof jwtBearerGrantType;

/**
 * The JWT bearer grant (RFC 7523 §2.1), here for identity assertion grants from enterprise IdPs (ID-JAG): for
 * confidential clients only.
 */
export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export type ResponseType = 'code';

/**
 * Whether clients using this method are issued a secret: `client_secret_basic` and `client_secret_post`. A
 * `private_key_jwt` client is confidential but proves itself with its key (RFC 7523 §2.2): no secret is issued.
 */
export function usesClientSecret(method: TokenEndpointAuthMethod): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}
