import type { ClientRecord } from '../../ports/clients.js';
import type { ClientMetadata } from '../../ports/client-metadata.js';

/** The metadata fields of a response, in the order the Provider MCP seed shows them, then the rest. */
const responseOrder: (keyof ClientMetadata)[] = [
  'client_name', 'redirect_uris', 'grant_types', 'response_types', 'scope', 'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg', 'application_type', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'jwks_uri', 'jwks', 'contacts',
  'software_id', 'software_version', 'software_statement', 'require_pushed_authorization_requests',
];

/**
 * The client information response: `client_id`, the secret when one was just issued, every registered
 * metadata value, and the RFC 7592 management credentials.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-3
 */
export function clientInformation(
  record: ClientRecord,
  credentials: { clientSecret?: string | undefined; registrationAccessToken: string; registrationClientUri: string },
): Record<string, unknown> {
  const response: Record<string, unknown> = { client_id: record.clientId };
  if (credentials.clientSecret !== undefined) response['client_secret'] = credentials.clientSecret;
  response['client_id_issued_at'] = record.clientIdIssuedAt;
  // RFC 7591 §3.2.1: REQUIRED when a secret was issued; kept on reads and updates, where the secret is not shown.
  if (record.clientSecretDigest !== null) response['client_secret_expires_at'] = record.clientSecretExpiresAt;
  for (const name of responseOrder) {
    if (record.metadata[name] !== undefined) response[name] = record.metadata[name];
  }
  response['registration_access_token'] = credentials.registrationAccessToken;
  response['registration_client_uri'] = credentials.registrationClientUri;
  return response;
}
