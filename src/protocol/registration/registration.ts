import type { Config } from '../../config/defaults.js';
import type { ClientRecord, ClientStore } from '../../storage/ports.js';
import type { Clock, RandomSource } from '../context.js';
import { digestSecret } from '../secrets.js';
import { clientInformation } from './client-information.js';
import { isConfidential } from './client-metadata.js';
import { checkSoftwareStatement } from './software-statement.js';
import { validateClientMetadata } from './validate-metadata.js';

/** What registration needs: configuration, where clients are kept, a clock and a random source. */
export interface RegistrationContext {
  config: Config;
  clients: Pick<ClientStore, 'insertClient'>;
  clock: Clock;
  random: RandomSource;
}

/** The result of a registration: the client information response to send with `201`. */
export interface RegistrationResult {
  clientId: string;
  response: Record<string, unknown>;
}

/** 256 bits: client secrets and registration access tokens cannot be guessed, so a plain digest stores them safely. */
export const secretBytes = 32;

/**
 * Registers a client: validates the request, mints its identifier and secrets, stores it (durably, before
 * answering) with the secrets as digests only, and builds the response.
 *
 * @param request the parsed JSON object of the request body
 * @param endpointUrl the absolute URL the request was sent to; `registration_client_uri` lives below it
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function registerClient(
  request: Record<string, unknown>,
  context: RegistrationContext,
  endpointUrl: string,
): Promise<RegistrationResult> {
  const { config, clients, clock, random } = context;
  const metadata = validateClientMetadata(request, config.registration);
  if (typeof request['software_statement'] === 'string') checkSoftwareStatement(request['software_statement']);

  const clientId = config.registration.profile === 'public-only' ? random.uuid() : random.token(16);
  const clientSecret = isConfidential(metadata.token_endpoint_auth_method) ? random.token(secretBytes) : undefined;
  const registrationAccessToken = random.token(secretBytes);
  const now = clock.now();
  const record: ClientRecord = {
    clientId,
    clientSecretDigest: clientSecret === undefined ? null : digestSecret(clientSecret),
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: digestSecret(registrationAccessToken),
    clientIdIssuedAt: Math.floor(now / 1000),
    metadata,
    registrationSource: 'dynamic',
    updatedAt: now,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
  await clients.insertClient(record);
  return {
    clientId,
    response: clientInformation(record, {
      clientSecret,
      registrationAccessToken,
      registrationClientUri: clientConfigurationUri(endpointUrl, clientId),
    }),
  };
}

/** RFC 7592 §1: the client configuration endpoint of one client, below the registration endpoint. */
export function clientConfigurationUri(endpointUrl: string, clientId: string): string {
  return `${endpointUrl}/${encodeURIComponent(clientId)}`;
}
