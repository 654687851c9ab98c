/**
 * Addresses. Python passes `(host, port)` tuples and path strings; sockserve uses small
 * frozen objects with a `family`, and accepts Python's tuple form on input.
 */
import { isIP, type Socket } from 'node:net';
import { InvalidOptionError } from './errors.js';

/** An IPv4 or IPv6 socket address: Python's `(host, port)` tuple. */
export interface InetAddress {
  readonly family: 'IPv4' | 'IPv6';
  readonly host: string;
  readonly port: number;
}

/** A Unix-domain socket address: a filesystem path, or a Linux abstract name starting `\0`. */
export interface UnixAddress {
  readonly family: 'unix';
  /** The path; `''` for an unbound (anonymous) client socket, like Python. */
  readonly path: string;
}

/** Any address a server binds to or a client comes from (`server_address`, `client_address`). */
export type SocketAddress = InetAddress | UnixAddress;

/** What a user may pass for an Internet address: `{ host, port }` or Python's `[host, port]`. */
export type InetAddressInput =
  | { readonly host?: string; readonly port: number }
  | readonly [string, number];

/** A validated Internet address to bind: `host` is `''` for "all interfaces" (Python's `''`). */
export interface InetBindAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Validates `{ host, port }` / `[host, port]`. `host` may be an IP literal, a name resolved
 * at bind time (`localhost`), or `''` / omitted for every interface (dual stack where the OS
 * allows). `port` is 0..65535, 0 meaning "any free port".
 */
export function parseInetAddress(input: unknown, option = 'serverAddress'): InetBindAddress {
  let host: unknown;
  let port: unknown;
  if (Array.isArray(input)) {
    if (input.length !== 2) throw new InvalidOptionError(option, 'a [host, port] pair', input);
    [host, port] = input;
  } else if (typeof input === 'object' && input !== null) {
    ({ host, port } = input as { host?: unknown; port?: unknown });
  } else {
    throw new InvalidOptionError(option, '{ host, port } or [host, port]', input);
  }
  if (host === undefined) host = '';
  if (typeof host !== 'string') throw new InvalidOptionError(`${option}.host`, 'a string', host);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidOptionError(`${option}.port`, 'an integer from 0 to 65535', port);
  }
  // Accept Python's bracketed IPv6 form too.
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host as string, port };
}

/**
 * Builds an {@link InetAddress} from what Node's `address()` / `remoteAddress` report: an IP
 * literal, so a colon tells IPv6 (no `isIP()` pattern match on every accepted connection).
 */
export function inetAddress(host: string | undefined, port: number | undefined): InetAddress {
  const h = host ?? '';
  return Object.freeze({ family: h.includes(':') ? 'IPv6' : 'IPv4', host: h, port: port ?? 0 });
}

/** What an accepted socket's handle (TCPWrap) fills in on `getpeername`. */
interface PeerName {
  address?: string;
  family?: string;
  port?: number;
}

/**
 * The peer of an accepted TCP socket (Python's `client_address` from `accept()`): the same
 * {@link InetAddress} as `inetAddress(socket.remoteAddress, socket.remotePort)` — host `''`
 * and port 0 when the kernel can no longer tell (a peer already reset) — read with one
 * `getpeername` straight from the socket's handle. Node's `remoteAddress` would keep its answer
 * in a cache object on the socket for the connection's whole life (64 B an idle connection)
 * and be asked twice (address, then port). Falls back to `remoteAddress` when the handle is
 * not the expected Node internal.
 */
export function peerAddress(socket: Socket): InetAddress {
  const handle = (socket as unknown as { _handle?: { getpeername?: unknown } | null })._handle;
  if (typeof handle?.getpeername !== 'function') {
    return inetAddress(socket.remoteAddress, socket.remotePort);
  }
  const out: PeerName = {};
  if ((handle.getpeername as (out: PeerName) => number).call(handle, out) !== 0) {
    return inetAddress(undefined, undefined);
  }
  // Clients mostly come from a few hosts: the last one's string is kept and shared, so an
  // idle connection does not hold a copy of its own (32 B).
  let host = out.address;
  if (host === lastPeerHost) host = lastPeerHost;
  else lastPeerHost = host;
  return inetAddress(host, out.port);
}

/** The host string {@link peerAddress} returned last, shared by the next ones from that host. */
let lastPeerHost: string | undefined;

/** Builds a {@link UnixAddress}. */
export function unixAddress(path: string): UnixAddress {
  return Object.freeze({ family: 'unix', path });
}

/**
 * Formats an address the way people write it: `127.0.0.1:8000`, `[::1]:8000`, a path, or
 * `@name` for a Linux abstract name. Used in `listening on …` lines and error messages.
 */
export function formatAddress(address: SocketAddress | InetBindAddress): string {
  if ('path' in address) {
    if (address.path === '') return '(unbound)';
    return address.path.startsWith('\0') ? `@${address.path.slice(1)}` : address.path;
  }
  const host = address.host === '' ? '*' : address.host;
  return isIP(host) === 6 ? `[${host}]:${address.port}` : `${host}:${address.port}`;
}
