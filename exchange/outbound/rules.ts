import { BlockList, isIP } from 'node:net';
import type { Config } from '../config.ts';
import { invalid } from '../errors.ts';

/**
 * The outbound rules: where the exchange may send a webhook or notification. HTTPS only, except
 * to hosts an admin lists for plain HTTP; never to an address of the exchange's own networks
 * (loopback, private, link-local, …) unless an admin allows that range. Consumers choose the URLs,
 * so without these rules a subscription could make the exchange probe its internal network.
 */
export interface OutboundRules {
  readonly httpHosts: ReadonlySet<string>;
  readonly allowed: BlockList;
  readonly timeoutMs: number;
}

type Range = readonly [network: string, bits: number];

// BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 ranges too.
const forbidden: readonly (readonly [kind: string, v4: readonly Range[], v6: readonly Range[]])[] = [
  ['unspecified', [['0.0.0.0', 8]], [['::', 128]]],
  ['loopback', [['127.0.0.0', 8]], [['::1', 128]]],
  ['private network', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]], [['fc00::', 7]]],
  // fec0::/10: site-local, deprecated but still routed inside some networks
  ['link-local', [['169.254.0.0', 16]], [['fe80::', 10]]],
  ['site-local', [], [['fec0::', 10]]],
  ['multicast', [['224.0.0.0', 4]], [['ff00::', 8]]],
  ['broadcast', [['255.255.255.255', 32]], []],
  // IETF protocol assignments, documentation, 6to4 relay anycast (a relay of someone else's choosing),
  // benchmarking, reserved; IPv4-compatible IPv6, IPv4-translated (::ffff:0:a.b.c.d, SIIT), NAT64
  // and 6to4 (which embed an IPv4 address that may be one of the above, and that BlockList does not
  // unwrap as it does ::ffff:a.b.c.d), documentation
  [
    'reserved',
    [['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['240.0.0.0', 4]],
    [['::', 96], ['::ffff:0:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['2001:db8::', 32], ['100::', 64]],
  ],
];

const forbiddenLists = forbidden.map(([kind, v4, v6]) => {
  const list = new BlockList();
  for (const [net, bits] of v4) list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of v6) list.addSubnet(net, bits, 'ipv6');
  return [kind, list] as const;
});

export function outboundRules(config: Pick<Config, 'outboundHttpHosts' | 'outboundAllowNetworks' | 'outboundTimeoutMs'>): OutboundRules {
  const allowed = new BlockList();
  for (const n of config.outboundAllowNetworks) {
    const [address, bits] = n.split('/') as [string, string];
    allowed.addSubnet(address, Number(bits), isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return { httpHosts: new Set(config.outboundHttpHosts), allowed, timeoutMs: config.outboundTimeoutMs };
}

const familyOf = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Why an address may not be reached ("private network", …), or null when it may. */
export function refusedAddress(rules: OutboundRules, address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIP(bare)) return 'not an IP address';
  const family = familyOf(bare);
  const kind = forbiddenLists.find(([, list]) => list.check(bare, family))?.[0];
  if (!kind || rules.allowed.check(bare, family)) return null;
  return kind;
}

export class OutboundRefused extends Error {
  constructor(readonly failure: string) {
    super(failure);
  }
}

/**
 * The checks that need no DNS: scheme, credentials, and a host written as an IP address. The same
 * rule refuses a URL when it is saved (a 400 naming the field) and again before every send; a host
 * name is resolved, and its addresses checked, on every attempt.
 */
export function urlProblem(rules: OutboundRules, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:') {
    if (!rules.httpHosts.has(host.replace(/^\[|\]$/g, ''))) return 'must be https (plain http only to hosts listed in BRX_OUTBOUND_HTTP_HOSTS)';
  } else if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username || url.password) return 'must not carry a user name or password';
  if (!host) return 'has no host';
  const literal = host.replace(/^\[|\]$/g, '');
  if (isIP(literal)) {
    const refused = refusedAddress(rules, literal);
    if (refused) return `address not allowed (${refused})`;
  }
  return null;
}

/** A URL being saved (a subscription's `url`, a system's `notifyUrl`): a 400 naming the field. */
export function refuseOutboundUrl(rules: OutboundRules, url: string, pointer: string): void {
  const problem = urlProblem(rules, url);
  if (problem) throw invalid(`${pointer.slice(1)} ${problem}`, [{ in: 'body', pointer, message: problem }]);
}
