import type { Config } from '../config/defaults.js';
import type { ClientRecord } from '../ports/clients.js';

/**
 * What a client may do beyond the user flows, by who vouched for it. Anyone can register openly, so an openly
 * registered client (or a metadata-document one) gets nothing that works without a user: an operator created
 * the client, or it registered with an initial access token or a trusted software statement under a policy
 * that allows it (PRODUCT.md §8). Asked at every use, so a policy changed later takes effect at once.
 */
function vouchedFor(client: Pick<ClientRecord, 'registrationSource' | 'policy'>, config: Config, permission: 'allowClientCredentials' | 'allowIntrospection'): boolean {
  if (client.registrationSource === 'operator') return true;
  if (client.registrationSource !== 'iat' && client.registrationSource !== 'software_statement') return false;
  const policy = client.policy === null ? undefined : config.registration.policies[client.policy];
  return policy?.[permission] === true;
}

/** Whether a client may use the `client_credentials` grant (tokens without a user). */
export function mayUseClientCredentials(client: Pick<ClientRecord, 'registrationSource' | 'policy'>, config: Config): boolean {
  return vouchedFor(client, config, 'allowClientCredentials');
}

/**
 * Whether a client may call the introspection endpoint: resource servers only, which an operator creates (or
 * a policy allows), since introspection tells the caller what any token it holds is worth (RFC 7662 §4, token
 * scanning).
 */
export function mayIntrospect(client: Pick<ClientRecord, 'registrationSource' | 'policy'>, config: Config): boolean {
  return vouchedFor(client, config, 'allowIntrospection');
}
