/**
 * `UnixDatagramServer`: Python's `socketserver.UnixDatagramServer`, on `node-unix-socket`
 * (Node core has no AF_UNIX datagrams).
 */
import {
  type HandlerSource,
  type InheritedSocket,
  InvalidOptionError,
  isInheritedSocket,
  type ServerTransport,
  type UnixAddress,
  UnsupportedError,
} from '@sockserve/core';
import {
  DATAGRAM_QUEUE_SIZE,
  defineOptions,
  maxPacketSizeOption,
  RECV_BUFFER_SIZE,
  SEND_BUFFER_SIZE,
  type ServerOptionsOf,
  serverWithOptions,
} from '@sockserve/core/kit';
import { proxyProtocolOption, resolveProxyProtocol } from '@sockserve/proxy-protocol/server';
import { type UnixDatagramRequest, UnixDatagramTransport } from './unix-datagram-transport.js';
import { ADDON_READ_LIMIT } from './unix-dgram-socket.js';
import { SOCKET_FILE_MODE } from './unix-options.js';
import { isAbstract, parseMode, parseUnixPath, type UnixAddressInput } from './unix-path.js';

/** The declarations of the Unix datagram server's own options (each also a public field). */
export const UNIX_DATAGRAM_OPTIONS = defineOptions('UnixDatagramServer', {
  mode: SOCKET_FILE_MODE,
  // A datagram the addon cut at its read limit must still count as oversized.
  maxPacketSize: maxPacketSizeOption(ADDON_READ_LIMIT - 1),
  requestQueueSize: DATAGRAM_QUEUE_SIZE,
  recvBufferSize: RECV_BUFFER_SIZE,
  sendBufferSize: SEND_BUFFER_SIZE,
  proxyProtocol: proxyProtocolOption('unix-dgram'),
});

/** Options of {@link UnixDatagramServer}: the base server's and {@link UNIX_DATAGRAM_OPTIONS}. */
export type UnixDatagramServerOptions = ServerOptionsOf<
  UnixDatagramRequest,
  typeof UNIX_DATAGRAM_OPTIONS.specs
>;

/**
 * Python's `socketserver.UnixDatagramServer`. Replies go to the sender's bound path; a
 * datagram from an unbound socket is handled but can't be answered (`request.canReply` is
 * false and `DatagramRequestHandler` sends nothing). Filesystem paths only: the addon can't
 * bind Linux abstract names. An inherited `{ fd }` (socket activation) is an
 * `UnsupportedError`: node-unix-socket's `DgramSocket` cannot wrap an existing descriptor.
 */
export class UnixDatagramServer extends serverWithOptions(
  UNIX_DATAGRAM_OPTIONS,
)<UnixDatagramRequest> {
  /** The socket path (Python's `server_address`). */
  readonly path: string;

  constructor(
    serverAddress: UnixAddressInput | InheritedSocket,
    handler: HandlerSource<UnixDatagramRequest, UnixDatagramServer>,
    options: UnixDatagramServerOptions = {},
  ) {
    if (isInheritedSocket(serverAddress)) {
      throw new UnsupportedError(
        `UnixDatagramServer cannot adopt an inherited descriptor (fd ${serverAddress.fd}): node-unix-socket's DgramSocket can only create and bind a new socket, not wrap an existing one; give it a path to bind`,
      );
    }
    const path = parseUnixPath(serverAddress);
    if (isAbstract(path)) {
      throw new InvalidOptionError(
        'serverAddress',
        'a filesystem path (node-unix-socket cannot bind abstract names)',
        path,
      );
    }
    parseMode(options?.mode, path);
    super(handler as HandlerSource, options);
    this.path = path;
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
      proxyProtocol:
        this.proxyProtocol === undefined
          ? undefined
          : resolveProxyProtocol(this.proxyProtocol, 'unix-dgram'),
    });
  }
}
