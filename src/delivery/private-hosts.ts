/**
 * Refusing private and loopback destinations (SSRF): a webhook or robot address that resolves to
 * an address inside the store's own network is refused unless channels.allow_private_hosts is
 * true (tests set it). The check runs twice: once on the configured host before anything is sent
 * (a clear config error), and again on every connection through guardedLookup, so a name that
 * later resolves elsewhere (DNS rebinding) is still caught.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../errors.js';

// RFC 6890 special-purpose ranges a public webhook never lives in.
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolvePromise, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolvePromise(addresses),
    ),
  );
}

/**
 * Refuses `url` (named by `key` in the config) when its host is, or resolves to, a private
 * address. A name that does not resolve now is let through: sending will fail and retry.
 */
export async function assertPublicHost(url: string, key: string): Promise<void> {
  const hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(hostname)) addresses = [hostname];
  else {
    try {
      addresses = (await resolveAll(hostname)).map((a) => a.address);
    } catch {
      return;
    }
  }
  const found = addresses.find(isPrivateAddress);
  if (found !== undefined)
    throw new AppError(
      'BAD_CONFIG',
      `${key}: host ${hostname} is a private or loopback address (${found}); set channels.allow_private_hosts to true to allow it`,
    );
}

/** A net lookup that fails the connection when the name resolves to a private address. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) {
      const refused = Object.assign(
        new Error(`${hostname} resolves to the private address ${blocked.address}`),
        {
          code: 'EPRIVATEHOST',
        },
      );
      return callback(refused, '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
    callback(null, first.address, first.family);
  });
};
