/**
 * `UnixStreamServer`: Python's `socketserver.UnixStreamServer`. The same connection-oriented
 * machinery as `TCPServer` (Python shares one class for both), addressed by a socket path.
 */
import type { Server, Socket } from 'node:net';
import {
  BaseServer,
  type BaseServerOptions,
  type HandlerSource,
  type ServerTransport,
  type UnixAddress,
} from '@sockserve/core';
import {
  BASE_SERVER_OPTIONS,
  CLOSE_TIMEOUT,
  defineOptions,
  LISTEN_QUEUE_SIZE,
  MAX_CONNECTIONS,
  type OptionsInput,
  type ResolvedOptions,
} from '@sockserve/core/kit';
import { SOCKET_FILE_MODE } from './unix-options.js';
import { parseMode, parseUnixPath, type UnixAddressInput } from './unix-path.js';
import { UnixStreamTransport } from './unix-stream-transport.js';

/** The declarations of the Unix stream server's own options (each also a public field). */
export const UNIX_STREAM_OPTIONS = defineOptions('UnixStreamServer', {
  mode: SOCKET_FILE_MODE,
  requestQueueSize: LISTEN_QUEUE_SIZE,
  closeTimeout: CLOSE_TIMEOUT,
  maxConnections: MAX_CONNECTIONS,
});

/** Options of {@link UnixStreamServer}: the base server's and {@link UNIX_STREAM_OPTIONS}. */
export interface UnixStreamServerOptions
  extends BaseServerOptions<Socket>,
    OptionsInput<typeof UNIX_STREAM_OPTIONS.specs> {}

/** Every option is also a public field a subclass may override (Python's class attributes). */
export interface UnixStreamServer extends ResolvedOptions<typeof UNIX_STREAM_OPTIONS.specs> {}

/**
 * Python's `socketserver.UnixStreamServer`. A stale socket file left by a dead process is
 * replaced; a live server on the path is an EADDRINUSE naming it; `serverClose()` removes the
 * file only if this server created it. A path starting with `\0` is a Linux abstract name.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the option fields come from UNIX_STREAM_OPTIONS, assigned in the constructor.
export class UnixStreamServer extends BaseServer<Socket> {
  static override readonly options = BASE_SERVER_OPTIONS.with(
    'UnixStreamServer',
    UNIX_STREAM_OPTIONS,
  );

  /** The socket path (Python's `server_address`). */
  readonly path: string;

  constructor(
    serverAddress: UnixAddressInput,
    handler: HandlerSource<Socket, UnixStreamServer>,
    options: UnixStreamServerOptions = {},
  ) {
    const path = parseUnixPath(serverAddress);
    parseMode(options?.mode, path);
    super(handler as HandlerSource, options, UNIX_STREAM_OPTIONS);
    this.path = path;
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
