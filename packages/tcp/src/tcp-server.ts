/**
 * `TCPServer`: Python's `socketserver.TCPServer` on `net.Server`. IPv4, IPv6 and dual stack
 * come from the address alone — no subclass with `address_family` needed.
 */
import type { Server, Socket } from 'node:net';
import {
  formatAddress,
  type HandlerSource,
  type InetAddress,
  type InetAddressInput,
  type InetBindAddress,
  type InheritedSocket,
  inetAddress,
  isInheritedSocket,
  parseInetAddress,
  type ServerRunnerPreamble,
  type ServerTransport,
  UnsupportedError,
} from '@sockserve/core';
import {
  ALLOW_REUSE_PORT,
  assertReusePortSupported,
  booleanOption,
  CLOSE_TIMEOUT,
  type ConnectionPreamble,
  checkInheritedDescriptor,
  customOption,
  defineOptions,
  IPV6_ONLY,
  LISTEN_QUEUE_SIZE,
  MAX_CONNECTIONS,
  MAX_CONNECTIONS_PER_CLIENT,
  NetListenerTransport,
  PER_CLIENT_IPV6_PREFIX,
  peerAddress,
  type ServerOptionsOf,
  serverWithOptions,
} from '@sockserve/core/kit';
import {
  proxyHeaderPreamble,
  proxyProtocolOption,
  proxyRunnerPreamble,
  proxyTrustPreamble,
  resolveProxyProtocol,
} from '@sockserve/proxy-protocol/server';

/** The declarations of TCP's own options (each also a public field of {@link TCPServer}). */
export const TCP_OPTIONS = defineOptions('TCPServer', {
  requestQueueSize: LISTEN_QUEUE_SIZE,
  allowReuseAddress: booleanOption({
    default: true,
    doc: 'SO_REUSEADDR. libuv always sets it on TCP listeners, so `false` is an `UnsupportedError` rather than a silent no-op',
  }),
  allowReusePort: ALLOW_REUSE_PORT,
  noDelay: booleanOption({ default: false, doc: 'TCP_NODELAY on every accepted connection' }),
  keepAlive: customOption<boolean | number>({
    default: false,
    doc: 'SO_KEEPALIVE on every accepted connection: `true`, or the initial delay in ms',
    expected: 'a boolean, or an integer >= 0 (the initial delay in ms)',
    invalidSample: -1,
    accepts: (value) =>
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isInteger(value) && value >= 0),
  }),
  ipv6Only: IPV6_ONLY,
  closeTimeout: CLOSE_TIMEOUT,
  maxConnections: MAX_CONNECTIONS,
  maxConnectionsPerClient: MAX_CONNECTIONS_PER_CLIENT,
  perClientIpv6Prefix: PER_CLIENT_IPV6_PREFIX,
  proxyProtocol: proxyProtocolOption('inet'),
});

/** Options of {@link TCPServer}: the base server's and {@link TCP_OPTIONS}. */
export type TCPServerOptions = ServerOptionsOf<Socket, typeof TCP_OPTIONS.specs>;

/**
 * Python's `socketserver.TCPServer`. Requests are `net.Socket`s; `serverAddress` is the real
 * bound address (port 0 resolved) once `ready`.
 *
 * ```ts
 * const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoHandler);
 * const activated = await TCPServer.create({ fd: 3 }, EchoHandler); // socket activation
 * ```
 *
 * `{ fd }` adopts an inherited listening TCP socket (see `listenFds()`) instead of binding;
 * a descriptor of another kind is an `InheritedDescriptorError` naming it.
 */
export class TCPServer extends serverWithOptions(TCP_OPTIONS)<Socket> {
  /** The address as given (`host` `''` = every interface), or the inherited `{ fd }`. */
  readonly requestedAddress: InetBindAddress | InheritedSocket;

  constructor(
    serverAddress: InetAddressInput | InheritedSocket,
    handler: HandlerSource<Socket, TCPServer>,
    options: TCPServerOptions = {},
  ) {
    const requested = isInheritedSocket(serverAddress)
      ? { fd: serverAddress.fd }
      : parseInetAddress(serverAddress);
    super(handler as HandlerSource, options);
    this.requestedAddress = requested;
  }

  /** Python's `server_address`, typed for TCP. */
  override get serverAddress(): InetAddress {
    return super.serverAddress as InetAddress;
  }

  /** Python's `server.socket`: the listening `net.Server`, once bound. */
  get socket(): Server | undefined {
    return (this.transport as NetListenerTransport | undefined)?.listener;
  }

  /**
   * What each connection goes through before it is queued (see `ConnectionPreamble` in
   * `@sockserve/core/kit`): the PROXY header with `proxyProtocol`, else nothing. A subclass
   * may chain its own after it (TLSServer's handshake).
   */
  protected connectionPreamble(): ConnectionPreamble | undefined {
    if (this.proxyProtocol === undefined) return undefined;
    const config = resolveProxyProtocol(this.proxyProtocol, 'inet');
    // `parseIn: 'runner'`: only the trust check here; the worker or child reads the header.
    return this.runnerPreamble !== undefined
      ? proxyTrustPreamble(config)
      : proxyHeaderPreamble(config);
  }

  /**
   * The PROXY header read where the handler runs (`proxyProtocol.parseIn: 'runner'` under a
   * strategy that runs handlers in workers or children; see `StrategyHost.runnerPreamble`).
   */
  get runnerPreamble(): ServerRunnerPreamble | undefined {
    const proxy = this.proxyProtocol;
    if (proxy?.parseIn !== 'runner' || this.strategy.runsRequestsElsewhere !== true)
      return undefined;
    return proxyRunnerPreamble(resolveProxyProtocol(proxy, 'inet'), () => this.transport);
  }

  protected override createTransport(): ServerTransport<Socket> {
    if (!this.allowReuseAddress) {
      throw new UnsupportedError(
        'allowReuseAddress: false is not possible: libuv always sets SO_REUSEADDR on TCP listeners (on Linux it only allows rebinding over TIME_WAIT connections, never two listeners)',
      );
    }
    if (this.allowReusePort) assertReusePortSupported();
    const requested = this.requestedAddress;
    if ('fd' in requested) {
      checkInheritedDescriptor(requested.fd, ['tcp'], 'TCPServer needs a listening TCP socket');
    }
    const keepAlive = this.keepAlive;
    const preamble = this.connectionPreamble();
    return new NetListenerTransport({
      listen:
        'fd' in requested
          ? { fd: requested.fd }
          : {
              port: requested.port,
              ...(requested.host === '' ? {} : { host: requested.host }),
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
      ...(this.maxConnectionsPerClient === undefined
        ? {}
        : { maxConnectionsPerClient: this.maxConnectionsPerClient }),
      perClientIpv6Prefix: this.perClientIpv6Prefix,
      ...(preamble === undefined ? {} : { preamble }),
      closeTimeout: this.closeTimeout,
      describe: 'fd' in requested ? `fd ${requested.fd}` : formatAddress(requested),
      serverAddress: (server) => {
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('not a TCP listener');
        return inetAddress(address.address, address.port);
      },
      clientAddress: peerAddress,
    });
  }
}
