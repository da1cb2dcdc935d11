import { promises as dns, type LookupAddress, type LookupOneOptions, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE_NETWORKS says so: loopback,
 * private (RFC 1918, unique local), link-local (cloud metadata at 169.254.169.254 among
 * them), carrier-grade NAT, "this network", multicast and reserved ranges, and IPv4 mapped or
 * embedded in IPv6. Otherwise a caller allowed to add an endpoint could make the service
 * post to the inside of its own network (SSRF).
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv4-compatible (deprecated), with the unspecified address and loopback among them:
  // `[::127.0.0.1]` is `::7f00:1` once parsed, which a /128 entry for `::` never matched
  ['::', 96],
  // IPv4-translated (SIIT), whatever it embeds
  ['::ffff:0:0:0', 96],
  ['100::', 64],
  // NAT64 for local use (RFC 8215): it translates into the operator's own network
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is a public unicast address, IPv4 embedded in IPv6 judged by the IPv4 it carries. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !blocked.check(address, 'ipv4');
  const bytes = ipv6Bytes(address);
  if (!bytes || blocked.check(address, 'ipv6')) return false;
  return embeddedIpv4(bytes).every(isPublicAddress);
}

/**
 * The IPv4 addresses an IPv6 address carries and leads to: mapped (`::ffff:a.b.c.d`), NAT64
 * (`64:ff9b::/96`), 6to4 (`2002:aabb:ccdd::/48`) and Teredo (`2001::/32`: its server and its
 * client, the latter inverted). Each reaches its IPv4 address through a translator or a
 * tunnel, so it is refused when that one would be.
 */
function embeddedIpv4(bytes: number[]): string[] {
  const v4 = (at: number, invert = false) =>
    bytes
      .slice(at, at + 4)
      .map((byte) => (invert ? byte ^ 0xff : byte))
      .join('.');
  const startsWith = (prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  if (startsWith([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return [v4(12)];
  if (startsWith([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return [v4(12)];
  if (startsWith([0x20, 0x02])) return [v4(2)];
  if (startsWith([0x20, 0x01, 0, 0])) return [v4(4), v4(12, true)];
  return [];
}

/** The 16 bytes of an IPv6 literal (a trailing dotted IPv4 part allowed), or null. */
function ipv6Bytes(address: string): number[] | null {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  const bytes: number[] = [];
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return bytes;
}

/**
 * A host that is refused by its name alone: localhost and its subdomains, and any name with a
 * trailing dot (`localhost.` is the same name to the resolver, but not to a comparison).
 */
export function isRefusedName(host: string): boolean {
  const name = host.toLowerCase();
  return name.endsWith('.') || name === 'localhost' || name.endsWith('.localhost');
}

/**
 * The refusal of an address. Its message names the host the caller gave, never the address a
 * name resolved to: that would map the inside of the network for whoever reads `lastError`.
 */
export class AddressRefusedError extends Error {
  readonly code = 'ADDRESS_REFUSED';
  constructor(host: string) {
    super(`the address of ${host} is refused: it is private, loopback or link-local (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)`);
    this.name = 'AddressRefusedError';
  }
}

/** Every address a name resolves to (injected, so tests can play a DNS server that changes its answer). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, order: 'verbatim' });

/**
 * The addresses of `host` after the guard: all of them public, or an AddressRefusedError. An
 * IP literal is its own address. One answer of one lookup is judged and then used, so no
 * second lookup can answer differently (DNS rebinding).
 */
export async function publicAddresses(host: string, resolver: Resolver): Promise<LookupAddress[]> {
  const family = isIP(host);
  if (family !== 0) {
    if (!isPublicAddress(host)) throw new AddressRefusedError(host);
    return [{ address: host, family }];
  }
  if (isRefusedName(host)) throw new AddressRefusedError(host);
  const addresses = await resolver(host);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  if (addresses.some((entry) => !isPublicAddress(entry.address))) throw new AddressRefusedError(host);
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for an HTTP request that resolves with `resolver`, refuses (when `guard`) a name
 * resolving to any address that is not public, and hands the connection the addresses it
 * checked. It runs for every new connection at send time, so a name that resolved to a public
 * address when the endpoint was added and to an inside one now is refused too.
 */
export function checkedLookup(resolver: Resolver, guard: boolean) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    (guard ? publicAddresses(hostname, resolver) : resolver(hostname)).then(
      (checked) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = family === 0 ? checked : checked.filter((entry) => entry.family === family);
        if (options.all) return callback(null, addresses);
        const [first] = addresses;
        if (!first) return callback(Object.assign(new Error(`${hostname} has no IPv${String(family)} address`), { code: 'ENOTFOUND' }), []);
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, []),
    );
  };
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}
