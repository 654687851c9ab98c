/**
 * `UnixStreamServer`: Python's `socketserver.UnixStreamServer`. The same connection-oriented
 * machinery as `TCPServer` (Python shares one class for both), addressed by a socket path.
 */
import type { Server, Socket } from 'node:net';
import {
  type HandlerSource,
  type InheritedSocket,
  isInheritedSocket,
  type ServerRunnerPreamble,
  type ServerTransport,
  type UnixAddress,
} from '@sockserve/core';
import {
  CLOSE_TIMEOUT,
  checkInheritedDescriptor,
  defineOptions,
  LISTEN_QUEUE_SIZE,
  MAX_CONNECTIONS,
  type ServerOptionsOf,
  serverWithOptions,
} from '@sockserve/core/kit';
import {
  proxyProtocolOption,
  proxyRunnerPreamble,
  resolveProxyProtocol,
} from '@sockserve/proxy-protocol/server';
import { SOCKET_FILE_MODE } from './unix-options.js';
import { parseMode, parseUnixPath, type UnixAddressInput } from './unix-path.js';
import { UnixStreamTransport } from './unix-stream-transport.js';

/** The declarations of the Unix stream server's own options (each also a public field). */
export const UNIX_STREAM_OPTIONS = defineOptions('UnixStreamServer', {
  mode: SOCKET_FILE_MODE,
  requestQueueSize: LISTEN_QUEUE_SIZE,
  closeTimeout: CLOSE_TIMEOUT,
  maxConnections: MAX_CONNECTIONS,
  proxyProtocol: proxyProtocolOption('unix'),
});

/** Options of {@link UnixStreamServer}: the base server's and {@link UNIX_STREAM_OPTIONS}. */
export type UnixStreamServerOptions = ServerOptionsOf<Socket, typeof UNIX_STREAM_OPTIONS.specs>;

/**
 * Python's `socketserver.UnixStreamServer`. A stale socket file left by a dead process is
 * replaced; a live server on the path is an EADDRINUSE naming it; `serverClose()` removes the
 * file only if this server created it. A path starting with `\0` is a Linux abstract name.
 * `{ fd }` adopts an inherited listening Unix stream socket (socket activation, see
 * `listenFds()`): its file is never removed; a descriptor of another kind is an
 * `InheritedDescriptorError` naming it.
 */
export class UnixStreamServer extends serverWithOptions(UNIX_STREAM_OPTIONS)<Socket> {
  /** The socket path (Python's `server_address`); `''` for an inherited `{ fd }` (see `serverAddress`). */
  readonly path: string;
  /** The inherited descriptor given as `{ fd }`, if any. */
  readonly inheritedFd: number | undefined;

  constructor(
    serverAddress: UnixAddressInput | InheritedSocket,
    handler: HandlerSource<Socket, UnixStreamServer>,
    options: UnixStreamServerOptions = {},
  ) {
    const inheritedFd = isInheritedSocket(serverAddress) ? serverAddress.fd : undefined;
    const path = inheritedFd === undefined ? parseUnixPath(serverAddress) : '';
    if (inheritedFd === undefined) parseMode(options?.mode, path);
    super(handler as HandlerSource, options);
    this.path = path;
    this.inheritedFd = inheritedFd;
  }

  /** Python's `server_address`: `{ family: 'unix', path }`. */
  override get serverAddress(): UnixAddress {
    return super.serverAddress as UnixAddress;
  }

  /** Python's `server.socket`: the listening `net.Server`, once bound. */
  get socket(): Server | undefined {
    return (this.transport as UnixStreamTransport | undefined)?.listener;
  }

  protected override createTransport(): ServerTransport<Socket> {
    let inherited: { fd: number; path: string } | undefined;
    if (this.inheritedFd !== undefined) {
      const info = checkInheritedDescriptor(
        this.inheritedFd,
        ['unix-stream'],
        'UnixStreamServer needs a listening Unix stream socket',
      );
      const bound = info.address !== undefined && 'path' in info.address ? info.address.path : '';
      inherited = { fd: this.inheritedFd, path: bound };
    }
    return new UnixStreamTransport({
      path: this.path,
      ...(inherited === undefined ? {} : { inherited }),
      mode: this.mode,
      queueCapacity: this.requestQueueSize,
      closeTimeout: this.closeTimeout,
      maxConnections: this.maxConnections,
      proxyProtocol:
        this.proxyProtocol === undefined
          ? undefined
          : resolveProxyProtocol(this.proxyProtocol, 'unix'),
      proxyInRunner: this.runnerPreamble !== undefined,
    });
  }

  /**
   * The PROXY header read where the handler runs (`proxyProtocol.parseIn: 'runner'` under a
   * strategy that runs handlers in workers or children; see `StrategyHost.runnerPreamble`).
   */
  get runnerPreamble(): ServerRunnerPreamble | undefined {
    const proxy = this.proxyProtocol;
    if (proxy?.parseIn !== 'runner' || this.strategy.runsRequestsElsewhere !== true)
      return undefined;
    return proxyRunnerPreamble(resolveProxyProtocol(proxy, 'unix'), () => this.transport);
  }
}
