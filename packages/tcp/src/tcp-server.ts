/**
 * `TCPServer`: Python's `socketserver.TCPServer` on `net.Server`. IPv4, IPv6 and dual stack
 * come from the address alone — no subclass with `address_family` needed.
 */
import type { Server, Socket } from 'node:net';
import {
  assertReusePortSupported,
  BASE_SERVER_OPTIONS,
  BaseServer,
  type BaseServerOptions,
  formatAddress,
  type HandlerSource,
  type InetAddress,
  type InetAddressInput,
  type InetBindAddress,
  inetAddress,
  NetListenerTransport,
  optionalBoolean,
  optionalInteger,
  optionalTimeout,
  osMaxBacklog,
  parseInetAddress,
  rejectUnknownOptions,
  type ServerTransport,
  UnsupportedError,
} from '@sockserve/core';

/** Options of {@link TCPServer}; every one is also a public field a subclass may override. */
export interface TCPServerOptions extends BaseServerOptions<Socket> {
  /** Connections that may wait for the serve loop; more are reset at once and counted in `stats.refused`. Default: the OS maximum (`somaxconn`), not Python's 5. The kernel's listen backlog is always the OS maximum, so a burst is refused by sockserve, not left hanging in the kernel. */
  readonly requestQueueSize?: number;
  /** SO_REUSEADDR. Always on for TCP in Node (libuv sets it); `false` is refused. Default true. */
  readonly allowReuseAddress?: boolean;
  /** SO_REUSEPORT: several servers share one port (Node >= 22.12, Linux / BSD). Default false. */
  readonly allowReusePort?: boolean;
  /** TCP_NODELAY on every accepted connection. Default false. */
  readonly noDelay?: boolean;
  /** SO_KEEPALIVE on every accepted connection: `true`, or the initial delay in ms. Default false. */
  readonly keepAlive?: boolean | number;
  /** With an IPv6 host such as `'::'`, refuse IPv4 clients (no dual stack). Default false. */
  readonly ipv6Only?: boolean;
  /** How long a finished connection may take to flush its last bytes before it is destroyed (ms). Default 30000. */
  readonly closeTimeout?: number;
  /** Connections open at once (waiting or being handled), at most; more are reset at once and counted in `stats.refused`. Default: no limit. */
  readonly maxConnections?: number;
}

const OPTIONS = [
  ...BASE_SERVER_OPTIONS,
  'requestQueueSize',
  'allowReuseAddress',
  'allowReusePort',
  'noDelay',
  'keepAlive',
  'ipv6Only',
  'closeTimeout',
  'maxConnections',
] as const;

/**
 * Python's `socketserver.TCPServer`. Requests are `net.Socket`s; `serverAddress` is the real
 * bound address (port 0 resolved) once `ready`.
 *
 * ```ts
 * const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoHandler);
 * ```
 */
export class TCPServer extends BaseServer<Socket> {
  /** The address as given (`host` `''` = every interface). */
  readonly requestedAddress: InetBindAddress;
  /** See {@link TCPServerOptions.requestQueueSize}. */
  requestQueueSize: number;
  /** See {@link TCPServerOptions.allowReuseAddress}. */
  allowReuseAddress: boolean;
  /** See {@link TCPServerOptions.allowReusePort}. */
  allowReusePort: boolean;
  /** See {@link TCPServerOptions.noDelay}. */
  noDelay: boolean;
  /** See {@link TCPServerOptions.keepAlive}. */
  keepAlive: boolean | number;
  /** See {@link TCPServerOptions.ipv6Only}. */
  ipv6Only: boolean;
  /** See {@link TCPServerOptions.closeTimeout}. */
  closeTimeout: number;
  /** See {@link TCPServerOptions.maxConnections}. */
  maxConnections: number | undefined;

  constructor(
    serverAddress: InetAddressInput,
    handler: HandlerSource<Socket, TCPServer>,
    options: TCPServerOptions = {},
  ) {
    rejectUnknownOptions('TCPServer', options, OPTIONS);
    const requested = parseInetAddress(serverAddress);
    super(handler as HandlerSource, options);
    this.requestedAddress = requested;
    this.requestQueueSize =
      optionalInteger('requestQueueSize', options.requestQueueSize, 1) ?? osMaxBacklog();
    this.allowReuseAddress =
      optionalBoolean('allowReuseAddress', options.allowReuseAddress) ?? true;
    this.allowReusePort = optionalBoolean('allowReusePort', options.allowReusePort) ?? false;
    this.noDelay = optionalBoolean('noDelay', options.noDelay) ?? false;
    this.keepAlive =
      typeof options.keepAlive === 'number'
        ? (optionalInteger('keepAlive', options.keepAlive, 0) as number)
        : (optionalBoolean('keepAlive', options.keepAlive) ?? false);
    this.ipv6Only = optionalBoolean('ipv6Only', options.ipv6Only) ?? false;
    this.closeTimeout = optionalTimeout('closeTimeout', options.closeTimeout) ?? 30_000;
    this.maxConnections = optionalInteger('maxConnections', options.maxConnections, 1);
  }

  /** Python's `server_address`, typed for TCP. */
  override get serverAddress(): InetAddress {
    return super.serverAddress as InetAddress;
  }

  /** Python's `server.socket`: the listening `net.Server`, once bound. */
  get socket(): Server | undefined {
    return (this.transport as NetListenerTransport | undefined)?.listener;
  }

  protected override createTransport(): ServerTransport<Socket> {
    if (!this.allowReuseAddress) {
      throw new UnsupportedError(
        'allowReuseAddress: false is not possible: libuv always sets SO_REUSEADDR on TCP listeners (on Linux it only allows rebinding over TIME_WAIT connections, never two listeners)',
      );
    }
    if (this.allowReusePort) assertReusePortSupported();
    const { host, port } = this.requestedAddress;
    const keepAlive = this.keepAlive;
    return new NetListenerTransport({
      listen: {
        port,
        ...(host === '' ? {} : { host }),
        ipv6Only: this.ipv6Only,
        ...(this.allowReusePort ? { reusePort: true } : {}),
      },
      server: {
        noDelay: this.noDelay,
        keepAlive: keepAlive !== false,
        ...(typeof keepAlive === 'number' ? { keepAliveInitialDelay: keepAlive } : {}),
      },
      queueCapacity: this.requestQueueSize,
      ...(this.maxConnections === undefined ? {} : { maxConnections: this.maxConnections }),
      closeTimeout: this.closeTimeout,
      describe: formatAddress(this.requestedAddress),
      serverAddress: (server) => {
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('not a TCP listener');
        return inetAddress(address.address, address.port);
      },
      clientAddress: (socket) => inetAddress(socket.remoteAddress, socket.remotePort),
    });
  }
}
