import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 and IPv6 addresses and CIDR ranges for IpAddress / NotIpAddress (RFC 4632 / RFC 4291 notation,
 * as reference_policies_elements_condition_operators describes). Addresses are numbers (bigint) so a
 * range test is two comparisons.
 */
export interface IpRange {
  version: 4 | 6;
  first: bigint;
  last: bigint;
}

function ipv4ToBigInt(address: string): bigint {
  let value = 0n;
  for (const part of address.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Dotted IPv4 in the last 32 bits (`::ffff:10.0.0.1`).
    const v4 = ipv4ToBigInt(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(`0x${group}`);
  return value;
}

const mappedPrefix = 0xffffn << 32n;

type ParsedIp = { version: 4 | 6; value: bigint } | undefined;

/** Requests come from few addresses, and a decision may test the same one against many IpAddress conditions. */
const recentAddresses = new Map<string, ParsedIp>();
const maxRecentAddresses = 1024;

/** Parses an address; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as Node reports IPv4 clients on a
 * dual-stack socket) is taken as the IPv4 address. */
export function parseIp(address: string): ParsedIp {
  let parsed = recentAddresses.get(address);
  if (parsed === undefined && !recentAddresses.has(address)) {
    parsed = parseIpUncached(address);
    if (recentAddresses.size >= maxRecentAddresses) recentAddresses.clear();
    recentAddresses.set(address, parsed);
  }
  return parsed;
}

function parseIpUncached(address: string): ParsedIp {
  if (isIPv4(address)) return { version: 4, value: ipv4ToBigInt(address) };
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return undefined;
  const value = ipv6ToBigInt(bare);
  if (value >> 32n === mappedPrefix >> 32n) return { version: 4, value: value & 0xffffffffn };
  return { version: 6, value };
}

/** Parses `a.b.c.d/n`, `x::y/n` or a single address (a /32 or /128). */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const bits = address.version === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const suffix = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(suffix)) return undefined;
    prefix = Number(suffix);
    if (prefix > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefix);
  const first = (address.value >> hostBits) << hostBits;
  return { version: address.version, first, last: first | ((1n << hostBits) - 1n) };
}

export function ipInRange(address: { version: 4 | 6; value: bigint }, range: IpRange): boolean {
  return address.version === range.version && address.value >= range.first && address.value <= range.last;
}
