// Where alert webhooks may be sent. A webhook URL is set by a tenant's admin over HTTP, so without a
// check an admin could make the wallet POST to whatever its network reaches (a cloud metadata
// endpoint, the broker, a database's HTTP port): server-side request forgery. By default only public
// addresses are targets: the URL is refused when it is set (a literal private address, `localhost`,
// credentials in it) and every delivery resolves the host first and refuses it when any address it
// resolves to is not public (a name that points inside, or points there later). Operators whose
// receivers live on a private network set CREDITFLOW_WEBHOOK_PRIVATE_TARGETS=true.
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { DomainError } from '@creditflow/kernel';

/** Addresses that are not on the public internet (IANA special-purpose registries, RFC 6890 and successors). */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address (v4 or v6, IPv4-mapped v6 as its v4) is a public one. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class WebhookTargetRefusedError extends DomainError {
  constructor(reason: string) {
    super('WEBHOOK.TARGET_REFUSED', `${reason} (only public addresses are webhook targets unless CREDITFLOW_WEBHOOK_PRIVATE_TARGETS=true)`);
  }
}

/** Why a URL may not be a webhook target as written (before any name is resolved); null if it may. */
export function webhookUrlProblem(url: string, privateTargets: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return `${parsed.protocol} URLs are not webhook targets`;
  if (parsed.username || parsed.password) return 'a webhook URL carries no credentials (the signature authenticates the sender)';
  if (privateTargets) return null;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
  if (isIP(host) && !isPublicAddress(host)) return `${host} is not a public address`;
  return null;
}

export type Lookup = (host: string) => Promise<{ address: string }[]>;

const lookupAll: Lookup = (host) => lookup(host, { all: true, verbatim: true });

/** Why a delivery to `url` may not go out now (its host resolves to an address that is not public); null if it may. */
export async function webhookTargetProblem(url: string, privateTargets: boolean, resolve: Lookup = lookupAll): Promise<string | null> {
  const written = webhookUrlProblem(url, privateTargets);
  if (written || privateTargets) return written;
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) return null;
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return `${host} does not resolve (${(error as { code?: string }).code ?? String(error)})`;
  }
  const inside = addresses.find((a) => !isPublicAddress(a.address));
  return inside ? `${host} resolves to ${inside.address}, not a public address` : null;
}
