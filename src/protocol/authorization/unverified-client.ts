import type { ClientRecord } from '../../ports/clients.js';

/**
 * Whether a client's name is unchecked: it registered itself openly, or it is known only from a metadata
 * document at a URL of its choosing. A client registered with an operator's initial access token or a trusted
 * publisher's software statement was vouched for by someone.
 */
export function isUnverified(client: Pick<ClientRecord, 'registrationSource'>): boolean {
  return client.registrationSource === 'dynamic' || client.registrationSource === 'cimd';
}
