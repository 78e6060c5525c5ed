import { BlockList, isIP } from 'node:net';

/**
 * `trustProxy`: trust no proxy (`false`), every hop (`true`: the left-most `X-Forwarded-For` address, which the
 * client itself may have written), or only proxies at these addresses and CIDR ranges, in which case the client
 * address is the right-most one in `X-Forwarded-For` that is not a trusted proxy.
 */
export type TrustProxy = boolean | readonly string[];

/** Names for common ranges, as proxy-addr (and so Express) knows them. */
const namedRanges: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

interface Range {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a range of one); undefined for anything else. */
function parseRange(text: string): Range | undefined {
  const [address, prefixText, extra] = text.split('/');
  if (extra !== undefined || address === undefined) return undefined;
  const version = isIP(address);
  if (version === 0 || address.includes('%')) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  return prefix <= max ? { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } : undefined;
}

/**
 * Reads `trustProxy` from the configuration: a boolean (`true`/`false`/`1`/`0` in the environment), or a list of
 * addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal` (a JSON array, or comma-separated
 * text such as `127.0.0.1,10.0.0.0/8`). Names are expanded to their ranges; an empty list is `false`.
 * Undefined when the value is none of these.
 */
export function parseTrustProxy(value: unknown): TrustProxy | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  const list: unknown = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter(Boolean) : value;
  if (!Array.isArray(list)) return undefined;
  const ranges: string[] = [];
  for (const item of list as unknown[]) {
    if (typeof item !== 'string') return undefined;
    for (const range of namedRanges[item.trim().toLowerCase()] ?? [item.trim()]) {
      if (!parseRange(range)) return undefined;
      ranges.push(range);
    }
  }
  return ranges.length > 0 ? ranges : false;
}

/**
 * Whether a peer address is a trusted proxy, under `trust`. The same answer decides the client address (which
 * `X-Forwarded-For` entries are skipped from the right) and whether an `X-Request-Id` is believed.
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match the IPv4 ranges.
 */
export function trustedProxy(trust: TrustProxy): (address: string | undefined) => boolean {
  if (typeof trust === 'boolean') return () => trust;
  const list = new BlockList();
  for (const entry of trust) {
    const range = parseRange(entry);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return (address) => {
    const version = address === undefined ? 0 : isIP(address);
    if (version === 0) return false;
    try {
      return list.check(address!, version === 4 ? 'ipv4' : 'ipv6');
    } catch {
      return false;
    }
  };
}
