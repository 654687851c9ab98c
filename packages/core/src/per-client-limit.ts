/**
 * The per-client connection cap of a stream listener (`maxConnectionsPerClient`): how many
 * connections one client may hold open at once, counted from accept until the connection is
 * released (waiting in the queue included). Python's `socketserver` has none; nginx's
 * `limit_conn` and HAProxy's stick tables are the models.
 *
 * Who "one client" is: an IPv4 address; an IPv6 address cut to a prefix (`/64` by default,
 * the block a single host or site is given, so one attacker can't escape the cap by walking
 * its own 2^64 addresses); an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, seen on dual-stack
 * listeners) counts as its IPv4 address. Unix-domain connections have no key: Node tells
 * neither the peer's uid nor pid without a native addon, so the cap is not applied to them.
 */
import { isIPv6, type Socket } from 'node:net';

/** The default IPv6 prefix a client is identified by (bits). */
export const DEFAULT_PER_CLIENT_IPV6_PREFIX = 64;

/**
 * The key one client's connections are counted under, or `undefined` when the connection has
 * no usable identity (a Unix-domain peer, a socket already closed). `prefix` is the number of
 * leading IPv6 bits that identify a client (1..128).
 */
export function clientKey(address: string | undefined, prefix: number): string | undefined {
  if (address === undefined || address === '') return undefined;
  if (!isIPv6(address)) return address;
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  return ipv6Prefix(lower, prefix);
}

/** `address` (a valid IPv6 literal) cut to its first `prefix` bits, as `hex:hex:…/prefix`. */
function ipv6Prefix(address: string, prefix: number): string {
  const groups = expandIpv6(address);
  const kept: string[] = [];
  for (let bit = 0, i = 0; bit < prefix; bit += 16, i += 1) {
    const group = groups[i] ?? 0;
    const bits = Math.min(16, prefix - bit);
    const mask = bits === 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    kept.push((group & mask).toString(16));
  }
  return `${kept.join(':')}/${prefix}`;
}

/** The eight 16-bit groups of an IPv6 literal (`::` expanded, an embedded IPv4 tail split). */
function expandIpv6(address: string): number[] {
  const zone = address.indexOf('%');
  let text = zone >= 0 ? address.slice(0, zone) : address;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const missing = Math.max(0, 8 - left.length - right.length);
  return [...left, ...new Array<number>(missing).fill(0), ...right];
}

/** Counts open connections per client and says when one more would be over the cap. */
export class PerClientLimit {
  readonly #max: number;
  readonly #prefix: number;
  readonly #counts = new Map<string, number>();
  /** Each counted connection's key, so release needs no address (a closed socket has none). */
  readonly #keys = new WeakMap<Socket, string>();

  /** `max` connections per client; IPv6 clients identified by their first `prefix` bits. */
  constructor(max: number, prefix: number = DEFAULT_PER_CLIENT_IPV6_PREFIX) {
    this.#max = max;
    this.#prefix = prefix;
  }

  /**
   * Counts `socket` against its client and returns true, or returns false (counting nothing)
   * when its client already holds the maximum. A connection with no key is always admitted.
   * `host`: the client's address when it is not the peer's (a PROXY header's source).
   */
  admit(socket: Socket, host: string | undefined = socket.remoteAddress): boolean {
    const key = clientKey(host, this.#prefix);
    if (key === undefined) return true;
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.#max) return false;
    this.#counts.set(key, count + 1);
    this.#keys.set(socket, key);
    return true;
  }

  /**
   * True when a connection from `address` would be refused now (its client holds the
   * maximum); counts nothing. Used to refuse before a socket exists (`early-refusal.ts`).
   */
  full(address: string | undefined): boolean {
    const key = clientKey(address, this.#prefix);
    return key !== undefined && (this.#counts.get(key) ?? 0) >= this.#max;
  }

  /** Uncounts `socket` (a no-op for one never counted or already released). */
  release(socket: Socket): void {
    const key = this.#keys.get(socket);
    if (key === undefined) return;
    this.#keys.delete(socket);
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }

  /** Clients holding at least one connection now. */
  get clients(): number {
    return this.#counts.size;
  }

  /** Forgets every count (the listener is closing). */
  clear(): void {
    this.#counts.clear();
  }
}
