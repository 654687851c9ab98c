/**
 * The `proxyProtocol` server option, declared once for TCP, Unix stream, UDP and Unix
 * datagram servers:
 * `{ trusted, headerTimeout, versions }`. Python's `socketserver` has none.
 */
import { customOption, type OptionSpec, parseRule } from '@sockserve/core/kit';

/** The `proxyProtocol` option of a server: read a PROXY header from every trusted peer. */
export interface ProxyProtocolOptions {
  /**
   * Who may send a header: addresses or CIDR ranges (`'10.0.0.0/8'`, `'::1'`, IPv4-mapped
   * IPv6 checked as IPv4), or `['any']`, written out. A peer not in the list is closed.
   * On a Unix stream or Unix datagram server only `['any']`: its peers have no address, the
   * socket file's permissions decide who connects.
   */
  readonly trusted: readonly string[];
  /** ms a trusted peer has to send the whole header (default 5000). Not for datagrams. */
  readonly headerTimeout?: number;
  /** The versions accepted (default `[1, 2]`; datagrams: `[2]`, the only one with datagrams). */
  readonly versions?: readonly (1 | 2)[];
  /**
   * Where the header is read when handlers run in worker threads or child processes
   * (`threading`, `forking`); stream servers only. `'main'` (default): in the server's
   * process, before the request queue. `'runner'`: the server's process only checks
   * `trusted` and moves the untouched socket; the worker or child reads the header (same
   * parser, `headerTimeout` and refusals) before TLS and the handler — no relay of every byte
   * under threading. Then `verifyRequest()` and `maxConnectionsPerClient` see the balancer's
   * address, and a connection waiting for its header holds a worker's or child's slot.
   * In-process strategies always read it in the server's process.
   */
  readonly parseIn?: 'main' | 'runner';
}

/** The option with its defaults applied. */
export interface ResolvedProxyProtocol {
  /** `'any'`, or the address rules. */
  readonly trusted: 'any' | readonly string[];
  readonly headerTimeout: number;
  readonly versions: readonly (1 | 2)[];
  readonly parseIn: 'main' | 'runner';
}

/** Default `headerTimeout`: 5 s, HAProxy's own `timeout client` scale for a first byte. */
export const DEFAULT_HEADER_TIMEOUT = 5000;

/** What kind of server the option is for (`unix-dgram`: a Unix datagram server). */
export type ProxyServerKind = 'inet' | 'unix' | 'udp' | 'unix-dgram';

/** Datagram servers: a whole v2 header on every datagram (spec 3.4), no timeout. */
const isDatagram = (kind: ProxyServerKind) => kind === 'udp' || kind === 'unix-dgram';

const KNOWN = new Set(['trusted', 'headerTimeout', 'versions', 'parseIn']);

/** True when `value` is a valid `proxyProtocol` for a server of `kind`. */
export function isProxyProtocolOptions(value: unknown, kind: ProxyServerKind): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const options = value as Record<string, unknown>;
  if (Object.keys(options).some((key) => !KNOWN.has(key))) return false;
  const { trusted, headerTimeout, versions, parseIn } = options;
  if (parseIn !== undefined && (isDatagram(kind) || (parseIn !== 'main' && parseIn !== 'runner')))
    return false;
  if (!Array.isArray(trusted) || trusted.length === 0) return false;
  const any = trusted.length === 1 && trusted[0] === 'any';
  if (!any) {
    if (kind === 'unix' || kind === 'unix-dgram') return false;
    try {
      for (const rule of trusted) parseRule('proxyProtocol.trusted', rule);
    } catch {
      return false;
    }
  }
  if (
    headerTimeout !== undefined &&
    (isDatagram(kind) ||
      typeof headerTimeout !== 'number' ||
      !Number.isFinite(headerTimeout) ||
      headerTimeout <= 0)
  )
    return false;
  if (versions !== undefined) {
    const allowed = isDatagram(kind) ? [2] : [1, 2];
    if (
      !Array.isArray(versions) ||
      versions.length === 0 ||
      versions.some((v) => !allowed.includes(v as number))
    )
      return false;
  }
  return true;
}

/** Applies the defaults to a checked option. */
export function resolveProxyProtocol(
  options: ProxyProtocolOptions,
  kind: ProxyServerKind,
): ResolvedProxyProtocol {
  const any = options.trusted.length === 1 && options.trusted[0] === 'any';
  return {
    trusted: any ? 'any' : [...options.trusted],
    headerTimeout: options.headerTimeout ?? DEFAULT_HEADER_TIMEOUT,
    versions: [...(options.versions ?? (isDatagram(kind) ? [2] : [1, 2]))],
    parseIn: options.parseIn ?? 'main',
  };
}

const EXPECTED: Record<ProxyServerKind, string> = {
  inet: "`{ trusted: ['10.0.0.0/8', …] or ['any'], headerTimeout?: ms > 0, versions?: [1, 2], parseIn?: 'main' | 'runner' }`",
  unix: "`{ trusted: ['any'], headerTimeout?: ms > 0, versions?: [1, 2], parseIn?: 'main' | 'runner' }` (a Unix peer has no address to trust)",
  udp: "`{ trusted: ['10.0.0.0/8', …] or ['any'], versions?: [2] }` (v2 only, no timeout)",
  'unix-dgram':
    "`{ trusted: ['any'], versions?: [2] }` (a Unix peer has no address to trust; v2 only, no timeout)",
};

const DOC: Record<ProxyServerKind, string> = {
  inet: "read a PROXY header (v1/v2, from HAProxy, nginx, a load balancer) on every connection from `trusted` (CIDR list, or `['any']` written out); `this.clientAddress` becomes the header's source and `this.proxy` the header. An untrusted peer, a bad header or none within `headerTimeout` ms (default 5000) closes the connection (`stats.proxyRejected`, `sockserve:proxy.rejected`). The header is read before the request queue and counts toward `maxConnections`; with `parseIn: 'runner'` under threading/forking it is read in the worker or child instead (the socket moves untouched)",
  unix: "read a PROXY header on every connection (`trusted: ['any']`: the socket file's permissions decide who connects); `this.clientAddress` becomes the header's source and `this.proxy` the header. A bad header or none within `headerTimeout` ms (default 5000) closes the connection (`stats.proxyRejected`, `sockserve:proxy.rejected`)",
  udp: "every datagram from `trusted` (CIDR list, or `['any']` written out) starts with a PROXY v2 header (spec 3.4); `this.clientAddress` becomes its source, `this.proxy` the header, and the reply goes back to the proxy. A datagram from an untrusted source or with a bad header is dropped (`stats.proxyRejected`, `sockserve:proxy.rejected`)",
  'unix-dgram':
    "every datagram starts with a PROXY v2 header (spec 3.4; `trusted: ['any']`: the socket file's permissions decide who sends); `this.clientAddress` becomes its source (the sender's path for LOCAL or an address-less header), `this.proxy` the header, and the reply goes back to the sender (the proxy). A datagram with a bad header is dropped (`stats.proxyRejected`, `sockserve:proxy.rejected`)",
};

/** The `proxyProtocol` option of a server of `kind` (`inet`: TCP; `unix-dgram`: Unix datagram). */
export function proxyProtocolOption(
  kind: ProxyServerKind,
): OptionSpec<ProxyProtocolOptions, ProxyProtocolOptions | undefined> {
  return customOption<ProxyProtocolOptions>({
    doc: DOC[kind],
    defaultText: 'off',
    expected: EXPECTED[kind],
    invalidSample: { trusted: [] },
    accepts: (value) => isProxyProtocolOptions(value, kind),
  });
}
