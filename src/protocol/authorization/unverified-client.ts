import type { ClientRecord } from '../../ports/clients.js';

/**
 * Whether a client's name is unchecked: it registered itself openly, or it is known only from a metadata
 * document at a URL of its choosing. A client registered with an operator's initial access token or a trusted
 * publisher's software statement was vouched for by someone.
 */
export function isUnverified(client: Pick<ClientRecord, 'registrationSource'>): boolean {
  return client.registrationSource === 'dynamic' || client.registrationSource === 'cimd';
}

/** Hosts that are this device: the loopback addresses and `localhost` names (RFC 6761 §6.3). */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Whether a redirect URI leads to an app on the user's own device rather than to a web site: a loopback address
 * (`http://127.0.0.1:<port>/…`, `localhost`) or a private-use scheme (`com.example.app:/cb`). Any local app can
 * listen on a loopback port or claim a scheme (RFC 8252 §8.6), so such a redirect says nothing of who receives the
 * code.
 */
export function isOnDeviceRedirect(redirectUri: string): boolean {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return isLoopbackHost(url.hostname);
  return true;
}

/**
 * Whether the consent page must warn that the app could be any app on the device: a client known from a Client ID
 * Metadata Document whose answer goes to the device itself. Anyone can name a public document as its `client_id`;
 * with an `https` redirect only the document's publisher receives the code, but with a loopback or private-use
 * redirect whatever runs on the device does, so the document's name and home page prove nothing (the MCP
 * authorization specification asks for a warning on localhost-only documents). The redirect of this very request
 * is judged: a document listing a web redirect as well does not make a loopback one safer.
 *
 * @see https://modelcontextprotocol.io/specification/draft/basic/authorization/client-registration (Client ID Metadata Documents, localhost redirects)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document (Security Considerations)
 */
export function isClaimableByLocalApps(client: Pick<ClientRecord, 'registrationSource'>, redirectUri: string): boolean {
  return client.registrationSource === 'cimd' && isOnDeviceRedirect(redirectUri);
}
