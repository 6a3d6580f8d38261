import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { normalizeHostName, type AllowedHosts } from './allowed-hosts';

/**
 * Server-side request forgery: a hook's URL is chosen by a user, and the server posts to it from
 * inside the network. Addresses a user must not make it reach, by what they are. Checked in order,
 * so the narrower name wins where ranges nest.
 */
const BLOCKED: readonly { kind: string; address: string; prefix: number; family: 'ipv4' | 'ipv6' }[] = [
  { kind: 'an unspecified', address: '0.0.0.0', prefix: 8, family: 'ipv4' },
  { kind: 'a loopback', address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { kind: 'a private', address: '10.0.0.0', prefix: 8, family: 'ipv4' },
  { kind: 'a private', address: '172.16.0.0', prefix: 12, family: 'ipv4' },
  { kind: 'a private', address: '192.168.0.0', prefix: 16, family: 'ipv4' },
  { kind: 'a link-local', address: '169.254.0.0', prefix: 16, family: 'ipv4' },
  { kind: 'a carrier-grade NAT', address: '100.64.0.0', prefix: 10, family: 'ipv4' },
  { kind: 'a reserved', address: '192.0.0.0', prefix: 24, family: 'ipv4' },
  { kind: 'a reserved', address: '198.18.0.0', prefix: 15, family: 'ipv4' },
  { kind: 'a multicast', address: '224.0.0.0', prefix: 4, family: 'ipv4' },
  // Class E and the broadcast address 255.255.255.255.
  { kind: 'a reserved', address: '240.0.0.0', prefix: 4, family: 'ipv4' },
  { kind: 'an unspecified', address: '::', prefix: 128, family: 'ipv6' },
  { kind: 'a loopback', address: '::1', prefix: 128, family: 'ipv6' },
  // The deprecated IPv4-compatible addresses (::a.b.c.d).
  { kind: 'a reserved', address: '::', prefix: 96, family: 'ipv6' },
  { kind: 'a link-local', address: 'fe80::', prefix: 10, family: 'ipv6' },
  { kind: 'a site-local', address: 'fec0::', prefix: 10, family: 'ipv6' },
  { kind: 'a unique-local', address: 'fc00::', prefix: 7, family: 'ipv6' },
  { kind: 'a multicast', address: 'ff00::', prefix: 8, family: 'ipv6' },
];

/** A URL the server will not post to, and why (safe to show to the hook's owner). */
export class UrlRefusedError extends Error {
  override readonly name = 'UrlRefusedError';
}

export type Resolve = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Decides which URLs a hook may have and which addresses a delivery may connect to: never to
 * loopback, private, link-local, unique-local, carrier-grade NAT, unspecified, multicast or
 * reserved addresses (IPv4-mapped IPv6 forms included), unless WEBHOOK_ALLOWED_HOSTS allows the
 * host name or the address. `check` runs when a hook is created or changed; `lookup` runs at every
 * connection, so a name that resolved to a public address then cannot be re-pointed (DNS
 * rebinding) at an internal one.
 */
export class UrlGuard {
  private readonly blocked = BLOCKED.map((range) => {
    const list = new BlockList();
    list.addSubnet(range.address, range.prefix, range.family);
    return { kind: range.kind, list, family: range.family };
  });
  private readonly allowedNames: ReadonlySet<string>;
  private readonly allowedAddresses = new BlockList();

  constructor(
    allowed: AllowedHosts,
    private readonly resolve: Resolve = systemResolve,
  ) {
    this.allowedNames = new Set(allowed.names);
    for (const range of allowed.ranges) {
      this.allowedAddresses.addSubnet(range.address, range.prefix, range.family);
    }
  }

  /** Refuses (UrlRefusedError) a URL a hook may not have: not http(s), or reaching a forbidden address. */
  async check(url: string): Promise<void> {
    const parsed = parseUrl(url);
    const host = hostOf(parsed);
    if (this.allowedNames.has(normalizeHostName(host))) return;
    if (isIP(host)) {
      this.refuseAddress(host, host);
      return;
    }
    let addresses: readonly { address: string }[];
    try {
      addresses = await this.resolve(host);
    } catch {
      throw new UrlRefusedError(`the host name ${host} does not resolve`);
    }
    if (addresses.length === 0) throw new UrlRefusedError(`the host name ${host} does not resolve`);
    for (const { address } of addresses) this.refuseAddress(host, address);
  }

  /**
   * For http.request's `lookup` option: resolves as Node would, then fails the connection when any
   * address the name resolves to is forbidden. (Node does not call it for an address literal:
   * `checkLiteral` covers those.)
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      try {
        if (!this.allowedNames.has(normalizeHostName(hostname))) {
          for (const { address } of addresses) this.refuseAddress(hostname, address);
        }
      } catch (refused) {
        callback(refused instanceof Error ? refused : new Error(String(refused)), []);
        return;
      }
      const first = addresses[0];
      if (options.all) callback(null, addresses);
      else if (first) callback(null, first.address, first.family);
      else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    });
  };

  /** At connect time, for a URL whose host is an address literal (no lookup happens for those). */
  checkLiteral(url: URL): void {
    const host = hostOf(url);
    if (isIP(host) && !this.allowedNames.has(normalizeHostName(host))) this.refuseAddress(host, host);
  }

  /** Why `address` is forbidden ("a loopback address"), or undefined when it may be reached. */
  classify(address: string): string | undefined {
    const v4 = mappedIPv4(address);
    const candidates = v4 ? [address, v4] : [address];
    for (const candidate of candidates) {
      const family = isIP(candidate) === 4 ? 'ipv4' : 'ipv6';
      if (this.allowedAddresses.check(candidate, family)) return undefined;
    }
    for (const candidate of candidates) {
      const family = isIP(candidate) === 4 ? 'ipv4' : 'ipv6';
      const hit = this.blocked.find((b) => b.family === family && b.list.check(candidate, family));
      if (hit) return `${hit.kind} address`;
    }
    return undefined;
  }

  private refuseAddress(host: string, address: string): void {
    const kind = this.classify(address);
    if (kind === undefined) return;
    const what = host === address ? address : `${host} resolves to ${address}, which`;
    throw new UrlRefusedError(
      `${what} is ${kind}; webhooks may not reach it unless WEBHOOK_ALLOWED_HOSTS allows it`,
    );
  }
}

function parseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlRefusedError('not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UrlRefusedError('only http:// and https:// URLs can be webhooks');
  }
  return parsed;
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`), in
 * dotted form; undefined for any other address. Checked as IPv4 too, whatever BlockList makes of it.
 */
export function mappedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname;
  } catch {
    return undefined;
  }
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (!match) return undefined;
  const high = parseInt(match[1] ?? '0', 16);
  const low = parseInt(match[2] ?? '0', 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
