/**
 * CIDR allow/deny rules for `verifyRequest`, on Node's `net.BlockList` (IPv4 and IPv6; an
 * IPv4 client seen on a dual-stack socket as `::ffff:a.b.c.d` is checked as IPv4).
 *
 * ```ts
 * const internalOnly = accessControl({ allow: ['10.0.0.0/8', '::1'], deny: ['10.0.13.0/24'] });
 * class InternalServer extends TCPServer {
 *   override verifyRequest(request: Socket, client: SocketAddress) {
 *     return internalOnly(request, client);
 *   }
 * }
 * ```
 */
import { BlockList, isIP } from 'node:net';
import type { SocketAddress } from './address.js';
import { InvalidOptionError } from './errors.js';

/** Rules for {@link accessControl}. */
export interface AccessRules {
  /** Addresses or CIDR ranges (`'10.0.0.0/8'`, `'::1'`, `'fd00::/8'`). When given, only these may connect. */
  readonly allow?: readonly string[];
  /** Addresses or CIDR ranges refused even when allowed. */
  readonly deny?: readonly string[];
  /** Whether Unix-socket clients (which have no IP) pass. Default true. */
  readonly unix?: boolean;
}

/**
 * A `verifyRequest` implementation from CIDR rules: deny wins, then allow (if any). Invalid
 * rules throw `InvalidOptionError` naming the rule at once, not at the first client.
 */
export function accessControl(
  rules: AccessRules,
): (request: unknown, clientAddress: SocketAddress) => boolean {
  const allow = rules.allow === undefined ? undefined : toBlockList('allow', rules.allow);
  const deny = toBlockList('deny', rules.deny ?? []);
  const unix = rules.unix ?? true;
  return (_request, clientAddress) => {
    if (clientAddress.family === 'unix') return unix;
    const [host, family] = normalize(clientAddress.host);
    if (family === undefined) return false;
    if (deny.check(host, family)) return false;
    return allow === undefined || allow.check(host, family);
  };
}

function toBlockList(option: string, entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const version = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = version === 6 ? 128 : 32;
    if (
      version === 0 ||
      (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > max))
    ) {
      throw new InvalidOptionError(
        option,
        'IP addresses or CIDR ranges like "10.0.0.0/8" or "fd00::/8"',
        entry,
      );
    }
    const type = version === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

/** The address and its family for BlockList, unwrapping IPv4-mapped IPv6. */
function normalize(host: string): [string, 'ipv4' | 'ipv6' | undefined] {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped?.[1] !== undefined) return [mapped[1], 'ipv4'];
  const version = isIP(host);
  return [host, version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined];
}
