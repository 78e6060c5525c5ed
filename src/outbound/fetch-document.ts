import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { DocumentFetchError, type FetchDocumentOptions, type FetchedDocument } from '../ports/document-fetcher.js';

/**
 * Special-use addresses (RFC 6890 and its IANA registries) that a URL from a stranger must never make the server
 * reach: loopback, RFC 1918 and unique-local networks, link-local (where cloud metadata services live), CGNAT,
 * "this network", documentation, benchmarking, segment routing, multicast, reserved and broadcast, and the
 * IPv6 prefixes that embed an IPv4 address whose relays or translators could reach the IPv4 ones (IPv4-compatible
 * `::/96`, which holds `::` and `::1` too; local-use NAT64; 6to4 and Teredo, both deprecated).
 *
 * Only IPv6 subnets that contain no IPv4-mapped address belong here: Node's BlockList matches an IPv4 address
 * against the IPv4-mapped form of an IPv6 rule, so `::ffff:0:0/96` here would refuse every IPv4 address.
 * IPv4-mapped addresses are handled by {@link ipv4Embedding} instead.
 */
const privateAddresses = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) privateAddresses.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20],
  ['5f00::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) privateAddresses.addSubnet(network, prefix, 'ipv6');

/**
 * IPv6 prefixes whose last 32 bits are the IPv4 address the packets end up at: IPv4-mapped (`::ffff:0:0/96`,
 * RFC 4291 §2.5.5.2: a socket connects to the IPv4 address itself), IPv4-translated (`::ffff:0:0:0/96`, RFC 6145)
 * and the well-known NAT64 prefix (`64:ff9b::/96`, RFC 6052, which DNS64 gives IPv4-only hosts on IPv6-only
 * networks). An address in them is judged as the IPv4 address it embeds: `[::ffff:7f00:1]` is 127.0.0.1.
 */
const ipv4Embedding = new BlockList();
for (const network of ['::ffff:0:0', '::ffff:0:0:0', '64:ff9b::']) ipv4Embedding.addSubnet(network, 96, 'ipv6');

/**
 * Cloud instance metadata services (AWS, GCP, Azure, and AWS's IPv6 one). They are inside the ranges above; they
 * are also refused when private addresses are allowed, since reaching one from a test setup is never intended.
 */
const metadataServices = new BlockList();
metadataServices.addAddress('169.254.169.254', 'ipv4');
metadataServices.addAddress('fd00:ec2::254', 'ipv6');

/**
 * Why a resolved address must not be fetched from, or undefined when it may. An IPv6 address that embeds an
 * IPv4 one ({@link ipv4Embedding}) is judged as that IPv4 address; a zone index (`fe80::1%eth0`) is ignored.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6890
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 */
export function refusedAddress(address: string, allowPrivateAddresses: boolean): string | undefined {
  const plain = address.replace(/%.*$/, '');
  const family = isIP(plain);
  if (family === 0) return 'is not an IP address';
  if (family === 6 && ipv4Embedding.check(plain, 'ipv6')) return refusedAddress(embeddedIpv4(plain), allowPrivateAddresses);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (metadataServices.check(plain, type)) return 'is a cloud metadata service address';
  if (!allowPrivateAddresses && privateAddresses.check(plain, type)) return 'is a loopback, private, link-local or other special-use address';
  return undefined;
}

/** The IPv4 address in the last 32 bits of an IPv6 address, read from its canonical (WHATWG URL) form. */
function embeddedIpv4(address: string): string {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const groups = tail === undefined ? head.split(':') : [...head.split(':'), ...Array<string>(8).fill('0'), ...tail.split(':')].filter(Boolean);
  const [high, low] = groups.slice(-2).map((group) => parseInt(group, 16));
  return [high! >> 8, high! & 255, low! >> 8, low! & 255].join('.');
}

/** A DNS lookup that fails for special-use addresses: every address a name resolves to must be public. */
function guardedLookup(allowPrivateAddresses: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => refusedAddress(a.address, allowPrivateAddresses) !== undefined);
      if (refused || addresses.length === 0) {
        return callback(new DocumentFetchError('its host resolves to an address that may not be fetched from'), '', 0);
      }
      // `net.connect` asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * Fetches a Client ID Metadata Document with SSRF protection: `https` only; every address the host resolves
 * to, and the address actually connected to, must be public (so DNS rebinding between check and connect does
 * not help); no redirects (the draft forbids following them); `200` only; a JSON content type; a size limit
 * checked against `Content-Length` and while reading; one time limit for the whole exchange.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-5
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-8.6 (SSRF)
 * @throws {DocumentFetchError}
 */
export async function fetchDocument(url: string, options: FetchDocumentOptions): Promise<FetchedDocument> {
  const target = URL.canParse(url) ? new URL(url) : undefined;
  if (target?.protocol !== 'https:') throw new DocumentFetchError('only https URLs are fetched');
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  const refused = isIP(literal) ? refusedAddress(literal, options.allowPrivateAddresses) : undefined;
  if (refused) throw new DocumentFetchError(`its host ${refused}`);

  return new Promise<FetchedDocument>((resolve, reject) => {
    const fail = (message: string, cause?: unknown) => {
      clearTimeout(timer);
      req.destroy();
      reject(cause instanceof DocumentFetchError ? cause : new DocumentFetchError(message, { cause }));
    };
    const req = request(target, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'Latchkey (client metadata document fetcher)' },
      // A fresh connection per fetch, so that every fetch goes through the guarded lookup.
      agent: false,
      lookup: guardedLookup(options.allowPrivateAddresses),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    const timer = setTimeout(() => fail(`it took longer than ${options.timeoutMs} ms`), options.timeoutMs);
    req.once('socket', (socket) => {
      socket.once('connect', () => {
        const problem = refusedAddress(socket.remoteAddress ?? '', options.allowPrivateAddresses);
        if (problem) fail(`the address connected to ${problem}`);
      });
    });
    req.once('error', (error) => fail('it could not be fetched', error));
    req.once('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) return fail(`it answered with a redirect (HTTP ${status}), which is not followed`);
      if (status !== 200) return fail(`it answered with HTTP status ${status}, not 200`);
      const type = (response.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
      if (!/^application\/(?:[\w.+-]+\+)?json$/.test(type)) return fail(`its content type is ${type || 'missing'}, not application/json`);
      const encoding = response.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'identity') return fail('it is sent with a content encoding, which was not asked for');
      const declared = Number(response.headers['content-length'] ?? 0);
      if (declared > options.maxBytes) return fail(`it is larger than ${options.maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) return fail(`it is larger than ${options.maxBytes} bytes`);
        chunks.push(chunk);
      });
      response.once('error', (error) => fail('the response was cut off', error));
      response.once('end', () => {
        clearTimeout(timer);
        try {
          resolve({ body: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)), headers: response.headers });
        } catch (error) {
          reject(new DocumentFetchError('it is not valid UTF-8', { cause: error }));
        }
      });
    });
    req.end();
  });
}
