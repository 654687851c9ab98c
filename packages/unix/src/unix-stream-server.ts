/**
 * `UnixStreamServer`: Python's `socketserver.UnixStreamServer`. The same connection-oriented
 * machinery as `TCPServer` (Python shares one class for both), addressed by a socket path.
 */
import type { Server, Socket } from 'node:net';
import {
  BASE_SERVER_OPTIONS,
  BaseServer,
  type BaseServerOptions,
  type HandlerSource,
  optionalInteger,
  optionalTimeout,
  osMaxBacklog,
  rejectUnknownOptions,
  type ServerTransport,
  type UnixAddress,
} from '@sockserve/core';
import { parseMode, parseUnixPath, type UnixAddressInput } from './unix-path.js';
import { UnixStreamTransport } from './unix-stream-transport.js';

/** Options of {@link UnixStreamServer}; each is also a public field. */
export interface UnixStreamServerOptions extends BaseServerOptions<Socket> {
  /** The socket file's mode (e.g. `0o600`), in force before any client can connect. Default: the umask's. */
  readonly mode?: number;
  /** Connections that may wait for the serve loop; more are refused at once. Default: the OS maximum. The kernel's listen backlog is always the OS maximum. */
  readonly requestQueueSize?: number;
  /** How long a finished connection may take to flush its last bytes (ms). Default 30000. */
  readonly closeTimeout?: number;
  /** Connections open at once, at most; more are reset at once and counted in `stats.refused`. */
  readonly maxConnections?: number;
}

const OPTIONS = [
  ...BASE_SERVER_OPTIONS,
  'mode',
  'requestQueueSize',
  'closeTimeout',
  'maxConnections',
] as const;

/**
 * Python's `socketserver.UnixStreamServer`. A stale socket file left by a dead process is
 * replaced; a live server on the path is an EADDRINUSE naming it; `serverClose()` removes the
 * file only if this server created it. A path starting with `\0` is a Linux abstract name.
 */
export class UnixStreamServer extends BaseServer<Socket> {
  /** The socket path (Python's `server_address`). */
  readonly path: string;
  /** See {@link UnixStreamServerOptions.mode}. */
  mode: number | undefined;
  /** See {@link UnixStreamServerOptions.requestQueueSize}. */
  requestQueueSize: number;
  /** See {@link UnixStreamServerOptions.closeTimeout}. */
  closeTimeout: number;
  /** See {@link UnixStreamServerOptions.maxConnections}. */
  maxConnections: number | undefined;

  constructor(
    serverAddress: UnixAddressInput,
    handler: HandlerSource<Socket, UnixStreamServer>,
    options: UnixStreamServerOptions = {},
  ) {
    rejectUnknownOptions('UnixStreamServer', options, OPTIONS);
    const path = parseUnixPath(serverAddress);
    super(handler as HandlerSource, options);
    this.path = path;
    this.mode = parseMode(options.mode, path);
    this.requestQueueSize =
      optionalInteger('requestQueueSize', options.requestQueueSize, 1) ?? osMaxBacklog();
    this.closeTimeout = optionalTimeout('closeTimeout', options.closeTimeout) ?? 30_000;
    this.maxConnections = optionalInteger('maxConnections', options.maxConnections, 1);
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
    return new UnixStreamTransport({
      path: this.path,
      mode: this.mode,
      queueCapacity: this.requestQueueSize,
      closeTimeout: this.closeTimeout,
      maxConnections: this.maxConnections,
    });
  }
}
