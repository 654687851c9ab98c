/**
 * Addresses. Python passes `(host, port)` tuples and path strings; sockserve uses small
 * frozen objects with a `family`, and accepts Python's tuple form on input.
 */
import { isIP } from 'node:net';
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
