/**
 * The transports the command serves, registered once, as the strategies are
 * (`../strategies.ts`): the address flag (`--tcp`), what it takes (`HOST:PORT` or `PATH`),
 * whether it adopts an inherited socket (`fd:N`), its `--help` line, and how its server is
 * built (TLS on top of TCP). The parser's flags and address check, `--help`'s address block
 * and the server the command opens all come from this list, so a new transport is its own
 * package plus one entry here. (Python has no registry: `TCPServer`, `UDPServer` and the Unix
 * servers are named in the module's source.) Transport packages are imported only when used.
 */
import type {
  BaseServer,
  ConcurrencyStrategy,
  DescriptorKind,
  HandlerModuleRef,
  InetBindAddress,
} from '@sockserve/core';
import type { ProxyProtocolOptions } from '@sockserve/proxy-protocol/server';

/** Any sockserve server: Python's `BaseServer` subclasses. */
// biome-ignore lint/suspicious/noExplicitAny: any transport's request type.
export type AnyServer = BaseServer<any>;

/** Where a server listens: a host and port, a socket path, or an inherited descriptor. */
export type BindTarget = InetBindAddress | string | { readonly fd: number };

/** The server options the command sets (each only when its flag asks for it). */
export interface CommandServerOptions {
  strategy?: ConcurrencyStrategy<never>;
  requestTimeout?: number;
  maxConnectionsPerClient?: number;
  allowReusePort?: boolean;
  proxyProtocol?: ProxyProtocolOptions;
}

/** One registered transport. */
export interface TransportRegistration {
  /** Its name; its address flag is `--NAME`. */
  readonly name: string;
  /** What the flag takes: `inet` is `HOST:PORT`, `path` a socket file. */
  readonly address: 'inet' | 'path';
  /** Stream (connections) or datagram: which handlers fit it. */
  readonly kind: 'stream' | 'datagram';
  /** The kind of inherited socket it serves (`--systemd NAME` picks the transport by it). */
  readonly socketKind: DescriptorKind;
  /** `--NAME fd:N` adopts an inherited socket; otherwise the error's reason why it can't. */
  readonly adopts: true | { readonly refusal: string };
  /** What the flag does, for `--help` (one line). */
  readonly summary: string;
  /** Builds its server (importing its package on first use). */
  create(
    where: BindTarget,
    handler: HandlerModuleRef,
    options: CommandServerOptions,
  ): Promise<AnyServer>;
  /** Builds its server with TLS (`--tls-cert` & co.) on top; none when it has no TLS. */
  createTLS?(
    where: BindTarget,
    handler: HandlerModuleRef,
    options: CommandServerOptions,
    tls: object,
  ): Promise<AnyServer>;
}

/** An inet or inherited target (the `inet` transports take no path). */
type InetTarget = InetBindAddress | { readonly fd: number };
/** A path or inherited target (the `path` transports take no host and port). */
type PathTarget = string | { readonly fd: number };

/** Every transport, in `--help` order: Python's four servers. */
export const TRANSPORTS = [
  {
    name: 'tcp',
    address: 'inet',
    kind: 'stream',
    socketKind: 'tcp',
    adopts: true,
    summary:
      'TCPServer: 127.0.0.1:8000, [::1]:8000, :8000 (every interface); port 0 = any free port',
    create: async (where, handler, options) => {
      const { TCPServer } = await import('@sockserve/tcp');
      return new TCPServer(where as InetTarget, handler, options);
    },
    createTLS: async (where, handler, options, tls) => {
      // `--tls-cert`/`--tls-key`: the TLS options (PEM read from the files) join the others.
      const { TLSServer } = await import('@sockserve/tls');
      return new TLSServer(where as InetTarget, handler, { ...options, ...tls } as never);
    },
  },
  {
    name: 'udp',
    address: 'inet',
    kind: 'datagram',
    socketKind: 'udp',
    adopts: true,
    summary: 'UDPServer',
    create: async (where, handler, options) => {
      const { UDPServer } = await import('@sockserve/udp');
      return new UDPServer(where as InetTarget, handler, options);
    },
  },
  {
    name: 'unix',
    address: 'path',
    kind: 'stream',
    socketKind: 'unix-stream',
    adopts: true,
    summary: 'UnixStreamServer on a socket file',
    create: async (where, handler, options) => {
      const { UnixStreamServer } = await import('@sockserve/unix');
      return new UnixStreamServer(where as PathTarget, handler, options);
    },
  },
  {
    name: 'unix-dgram',
    address: 'path',
    kind: 'datagram',
    socketKind: 'unix-dgram',
    adopts: {
      refusal:
        'an inherited Unix datagram socket is not supported (node-unix-socket cannot adopt a descriptor)',
    },
    summary: 'UnixDatagramServer on a socket file',
    create: async (where, handler, options) => {
      const { UnixDatagramServer } = await import('@sockserve/unix');
      return new UnixDatagramServer(where as string, handler, options);
    },
  },
] as const satisfies readonly TransportRegistration[];

type Entry = (typeof TRANSPORTS)[number];
/** A registered transport's name (the address flag without `--`). */
export type TransportKind = Entry['name'];
/** The transports whose flag takes `HOST:PORT`. */
export type InetTransport = Extract<Entry, { address: 'inet' }>['name'];
/** The transports whose flag takes a socket path. */
export type PathTransport = Extract<Entry, { address: 'path' }>['name'];
/** The transports that adopt an inherited socket (`fd:N`). */
export type AdoptingTransport = Extract<Entry, { adopts: true }>['name'];

/** The registered transport named `name`; undefined for an unknown name. */
export function findTransport(name: string): TransportRegistration | undefined {
  return TRANSPORTS.find((entry) => entry.name === name);
}

/** `parseArgs` option declarations of every address flag, without the leading `--`. */
export const TRANSPORT_FLAGS: Readonly<Record<TransportKind, { readonly type: 'string' }>> =
  Object.fromEntries(TRANSPORTS.map((entry) => [entry.name, { type: 'string' }])) as Record<
    TransportKind,
    { readonly type: 'string' }
  >;

/** `--tcp HOST:PORT`, `--unix PATH`: a transport's flag with what it takes. */
export function transportUsage(entry: TransportRegistration): string {
  return `--${entry.name} ${entry.address === 'inet' ? 'HOST:PORT' : 'PATH'}`;
}

/** The `--help` lines of the address flags, and the line naming those that adopt `fd:N`. */
export function transportHelpLines(): string {
  const lines = TRANSPORTS.map((entry) => `  ${transportUsage(entry).padEnd(23)}${entry.summary}`);
  const adopting = TRANSPORTS.filter((entry) => entry.adopts === true);
  lines.push(`  ${adopting.map((entry) => `--${entry.name} fd:N`).join(', ')}`);
  return lines.join('\n');
}
