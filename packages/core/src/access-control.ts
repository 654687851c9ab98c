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

/** A decimal prefix length: `0`, or digits without a leading zero (no sign, space, dot, exponent). */
const PREFIX = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Parses one rule: an IPv4 or IPv6 address, optionally `/` and a decimal prefix length in
 * range (0–32, 0–128). Anything else — an empty or extra prefix, hex, a zone id, spaces — is
 * refused: a typo must never widen a rule (`'10.0.0.1/'` once read as `/0`, everyone).
 */
export function parseRule(
  option: string,
  rule: unknown,
): { address: string; type: 'ipv4' | 'ipv6'; bits: number | undefined } {
  const invalid = () =>
    new InvalidOptionError(
      option,
      'IP addresses or CIDR ranges like "10.0.0.0/8" or "fd00::/8"',
      rule,
    );
  if (typeof rule !== 'string') throw invalid();
  const slash = rule.indexOf('/');
  const address = slash < 0 ? rule : rule.slice(0, slash);
  const prefix = slash < 0 ? undefined : rule.slice(slash + 1);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) throw invalid();
  const max = version === 6 ? 128 : 32;
  if (prefix !== undefined && (!PREFIX.test(prefix) || Number(prefix) > max)) throw invalid();
  return {
    address,
    type: version === 6 ? 'ipv6' : 'ipv4',
    bits: prefix === undefined ? undefined : Number(prefix),
  };
}

function toBlockList(option: string, entries: readonly string[]): BlockList {
  if (!Array.isArray(entries)) {
    throw new InvalidOptionError(option, 'an array of addresses or CIDR ranges', entries);
  }
  const list = new BlockList();
  for (const entry of entries) {
    const { address, type, bits } = parseRule(option, entry);
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
