/**
 * `UDPServer`: Python's `socketserver.UDPServer` on `dgram`. One request per datagram; the
 * family (IPv4, IPv6, dual stack) follows the address.
 */
import type { Socket } from 'node:dgram';
import {
  formatAddress,
  type HandlerSource,
  type InetAddress,
  type InetAddressInput,
  type InetBindAddress,
  type InheritedSocket,
  isInheritedSocket,
  parseInetAddress,
  type ServerTransport,
} from '@sockserve/core';
import {
  ALLOW_REUSE_PORT,
  assertReusePortSupported,
  booleanOption,
  checkInheritedDescriptor,
  DATAGRAM_QUEUE_SIZE,
  defineOptions,
  IPV6_ONLY,
  maxPacketSizeOption,
  RECV_BUFFER_SIZE,
  SEND_BUFFER_SIZE,
  type ServerOptionsOf,
  serverWithOptions,
} from '@sockserve/core/kit';
import { proxyProtocolOption, resolveProxyProtocol } from '@sockserve/proxy-protocol/server';
import type { UdpDatagramRequest } from './udp-request.js';
import { UdpTransport } from './udp-transport.js';

/** The largest UDP payload (65535 - 8-byte UDP header - 20-byte IPv4 header). */
const MAX_UDP_PAYLOAD = 65_507;

/** The declarations of UDP's own options (each also a public field of {@link UDPServer}). */
export const UDP_OPTIONS = defineOptions('UDPServer', {
  maxPacketSize: maxPacketSizeOption(MAX_UDP_PAYLOAD),
  requestQueueSize: DATAGRAM_QUEUE_SIZE,
  allowReuseAddress: booleanOption({
    default: false,
    doc: "SO_REUSEADDR (Python's `allow_reuse_address`)",
  }),
  allowReusePort: ALLOW_REUSE_PORT,
  ipv6Only: IPV6_ONLY,
  recvBufferSize: RECV_BUFFER_SIZE,
  sendBufferSize: SEND_BUFFER_SIZE,
  proxyProtocol: proxyProtocolOption('udp'),
});

/** Options of {@link UDPServer}: the base server's and {@link UDP_OPTIONS}. */
export type UDPServerOptions = ServerOptionsOf<UdpDatagramRequest, typeof UDP_OPTIONS.specs>;

/**
 * Python's `socketserver.UDPServer`. Requests are {@link UdpDatagramRequest}s (`data`,
 * `reply()`, `socket`); `clientAddress` is the sender's host and port. `{ fd }` adopts an
 * inherited UDP socket (socket activation, see `listenFds()`) instead of binding; a
 * descriptor of another kind is an `InheritedDescriptorError` naming it.
 */
export class UDPServer extends serverWithOptions(UDP_OPTIONS)<UdpDatagramRequest> {
  /** The address as given (`host` `''` = every interface), or the inherited `{ fd }`. */
  readonly requestedAddress: InetBindAddress | InheritedSocket;

  constructor(
    serverAddress: InetAddressInput | InheritedSocket,
    handler: HandlerSource<UdpDatagramRequest, UDPServer>,
    options: UDPServerOptions = {},
  ) {
    const requested = isInheritedSocket(serverAddress)
      ? { fd: serverAddress.fd }
      : parseInetAddress(serverAddress);
    super(handler as HandlerSource, options);
    this.requestedAddress = requested;
  }

  /** Python's `server_address`, typed for UDP. */
  override get serverAddress(): InetAddress {
    return super.serverAddress as InetAddress;
  }

  /** Python's `server.socket`: the bound `dgram.Socket`. */
  get socket(): Socket | undefined {
    return (this.transport as UdpTransport | undefined)?.socket;
  }

  protected override createTransport(): ServerTransport<UdpDatagramRequest> {
    if (this.allowReusePort) assertReusePortSupported();
    const requested = this.requestedAddress;
    let inheritedType: 'udp4' | 'udp6' | undefined;
    if ('fd' in requested) {
      const info = checkInheritedDescriptor(requested.fd, ['udp'], 'UDPServer needs a UDP socket');
      inheritedType = info.address?.family === 'IPv6' ? 'udp6' : 'udp4';
    }
    return new UdpTransport({
      address: requested,
      ...(inheritedType === undefined ? {} : { inheritedType }),
      describe: 'fd' in requested ? `udp fd ${requested.fd}` : `udp ${formatAddress(requested)}`,
      reuseAddr: this.allowReuseAddress,
      reusePort: this.allowReusePort,
      ipv6Only: this.ipv6Only,
      recvBufferSize: this.recvBufferSize,
      sendBufferSize: this.sendBufferSize,
      maxPacketSize: this.maxPacketSize,
      queueCapacity: this.requestQueueSize,
      ...(this.proxyProtocol === undefined
        ? {}
        : { proxyProtocol: resolveProxyProtocol(this.proxyProtocol, 'udp') }),
    });
  }
}
