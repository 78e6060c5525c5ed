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
  contacts?: string[];
  software_id?: string;
  software_version?: string;
  /** The software statement the client registered with, returned unmodified (RFC 7591 §3.2.1). */
  software_statement?: string;
  /** RFC 9126 §6: `/authorize` accepts only the requests this client pushed to `/par`. */
  require_pushed_authorization_requests?: boolean;
}

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | typeof jwtBearerGrantType;

/**
 * The JWT bearer grant (RFC 7523 §2.1), here for identity assertion grants from enterprise IdPs (ID-JAG): for
 * confidential clients only.
 */
export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export type ResponseType = 'code';

/** Whether clients using this method hold a secret. */
export function isConfidential(method: TokenEndpointAuthMethod): boolean {
  return method !== 'none';
}
