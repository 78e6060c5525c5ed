/**
 * Fetches a Client ID Metadata Document over the network. The protocol code that resolves `client_id` URLs gets
 * one passed in; the real one (`src/outbound/fetch-document.ts`) refuses private addresses, caps size and time.
 *
 * @throws {DocumentFetchError} when the document cannot be fetched; any other error passes through as it is.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-5
 */
export type DocumentFetcher = (url: string, options: FetchDocumentOptions) => Promise<FetchedDocument>;

/** How a metadata document may be fetched. */
export interface FetchDocumentOptions {
  /** The largest body accepted, in bytes. */
  maxBytes: number;
  /** The whole fetch, from the DNS lookup to the last byte, in milliseconds. */
  timeoutMs: number;
  /** Allow loopback, private and link-local addresses (tests only: it turns the fetch into an SSRF tool). */
  allowPrivateAddresses: boolean;
  /** A PEM certificate (or bundle) to trust besides the system's, for tests with a self-signed server. */
  ca?: string | undefined;
}

/** A fetched document: its body as text and the response headers (for HTTP caching). */
export interface FetchedDocument {
  body: string;
  /** As Node's `IncomingHttpHeaders`: lower-cased names; a repeated header is an array. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Why a document could not be fetched. The message is safe to show: it names no internal address. */
export class DocumentFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DocumentFetchError';
  }
}
