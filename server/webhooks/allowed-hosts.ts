import { isIP } from 'node:net';

/** A range of addresses: one address is a range with the full prefix (32 or 128). */
export interface AddressRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * WEBHOOK_ALLOWED_HOSTS, parsed: host names allowed whatever they resolve to, and addresses or
 * subnets allowed although they are loopback, private or link-local.
 */
export interface AllowedHosts {
  /** Lower case, without a trailing dot. */
  names: readonly string[];
  ranges: readonly AddressRange[];
}

export const NO_ALLOWED_HOSTS: AllowedHosts = Object.freeze({ names: [], ranges: [] });

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Comma-separated entries, each a host name (`hooks.internal`, `localhost`), an address
 * (`127.0.0.1`, `::1`, `[::1]`) or a subnet in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
 * `refused` lists the entries that are none of these, for the configuration's error message.
 */
export function parseAllowedHosts(value: string): { allowed: AllowedHosts; refused: string[] } {
  const names: string[] = [];
  const ranges: AddressRange[] = [];
  const refused: string[] = [];
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const range = parseRange(entry);
    if (range) {
      ranges.push(range);
      continue;
    }
    const name = normalizeHostName(entry);
    if (name.length <= 253 && HOST_NAME.test(name)) names.push(name);
    else refused.push(entry);
  }
  return { allowed: { names, ranges }, refused };
}

/** Host names compare in lower case and without the trailing dot of a fully qualified name. */
export function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** `address` or `address/prefix` (brackets around an IPv6 address allowed); undefined otherwise. */
function parseRange(entry: string): AddressRange | undefined {
  const [rawAddress = '', prefixText, ...rest] = entry.split('/');
  if (rest.length > 0) return undefined;
  const address = rawAddress.replace(/^\[(.*)\]$/, '$1');
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits, family: version === 4 ? 'ipv4' : 'ipv6' };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}
