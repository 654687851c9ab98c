/**
 * `UnixDatagramServer`: Python's `socketserver.UnixDatagramServer`, on `node-unix-socket`
 * (Node core has no AF_UNIX datagrams).
 */
import {
  BASE_SERVER_OPTIONS,
  BaseServer,
  type BaseServerOptions,
  type HandlerSource,
  InvalidOptionError,
  optionalInteger,
  rejectUnknownOptions,
  type ServerTransport,
  type UnixAddress,
} from '@sockserve/core';
import { type UnixDatagramRequest, UnixDatagramTransport } from './unix-datagram-transport.js';
import { ADDON_READ_LIMIT } from './unix-dgram-socket.js';
import { isAbstract, parseMode, parseUnixPath, type UnixAddressInput } from './unix-path.js';

/** Options of {@link UnixDatagramServer}; each is also a public field. */
export interface UnixDatagramServerOptions extends BaseServerOptions<UnixDatagramRequest> {
  /** The socket file's mode (e.g. `0o600`), in force before any client can send. */
  readonly mode?: number;
  /** Largest datagram handed to the handler (Python's `max_packet_size`); larger ones are dropped and counted. Default 8192, at most 65534. */
  readonly maxPacketSize?: number;
  /** Datagrams that may wait in memory for the serve loop; more are dropped and counted. Default 1024. */
  readonly requestQueueSize?: number;
  /** SO_RCVBUF in bytes. */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF in bytes. */
  readonly sendBufferSize?: number;
}

const OPTIONS = [
  ...BASE_SERVER_OPTIONS,
  'mode',
  'maxPacketSize',
  'requestQueueSize',
  'recvBufferSize',
  'sendBufferSize',
] as const;

/**
 * Python's `socketserver.UnixDatagramServer`. Replies go to the sender's bound path; a
 * datagram from an unbound socket is handled but can't be answered (`request.canReply` is
 * false and `DatagramRequestHandler` sends nothing). Filesystem paths only: the addon can't
 * bind Linux abstract names.
 */
export class UnixDatagramServer extends BaseServer<UnixDatagramRequest> {
  /** The socket path (Python's `server_address`). */
  readonly path: string;
  /** See {@link UnixDatagramServerOptions.mode}. */
  mode: number | undefined;
  /** See {@link UnixDatagramServerOptions.maxPacketSize}. */
  maxPacketSize: number;
  /** See {@link UnixDatagramServerOptions.requestQueueSize}. */
  requestQueueSize: number;
  /** See {@link UnixDatagramServerOptions.recvBufferSize}. */
  recvBufferSize: number | undefined;
  /** See {@link UnixDatagramServerOptions.sendBufferSize}. */
  sendBufferSize: number | undefined;

  constructor(
    serverAddress: UnixAddressInput,
    handler: HandlerSource<UnixDatagramRequest, UnixDatagramServer>,
    options: UnixDatagramServerOptions = {},
  ) {
    rejectUnknownOptions('UnixDatagramServer', options, OPTIONS);
    const path = parseUnixPath(serverAddress);
    if (isAbstract(path)) {
      throw new InvalidOptionError(
        'serverAddress',
        'a filesystem path (node-unix-socket cannot bind abstract names)',
        path,
      );
    }
    super(handler as HandlerSource, options);
    this.path = path;
    this.mode = parseMode(options.mode, path);
    // A datagram the addon cut at its read limit must still count as oversized.
    this.maxPacketSize =
      optionalInteger('maxPacketSize', options.maxPacketSize, 1, ADDON_READ_LIMIT - 1) ?? 8192;
    this.requestQueueSize =
      optionalInteger('requestQueueSize', options.requestQueueSize, 1) ?? 1024;
    this.recvBufferSize = optionalInteger('recvBufferSize', options.recvBufferSize, 1);
    this.sendBufferSize = optionalInteger('sendBufferSize', options.sendBufferSize, 1);
  }

  /** Python's `server_address`: `{ family: 'unix', path }`. */
  override get serverAddress(): UnixAddress {
    return super.serverAddress as UnixAddress;
  }

  protected override createTransport(): ServerTransport<UnixDatagramRequest> {
    return new UnixDatagramTransport({
      path: this.path,
      mode: this.mode,
      maxPacketSize: this.maxPacketSize,
      queueCapacity: this.requestQueueSize,
      recvBufferSize: this.recvBufferSize,
      sendBufferSize: this.sendBufferSize,
    });
  }
}
