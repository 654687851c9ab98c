/**
 * `UDPServer`: Python's `socketserver.UDPServer` on `dgram`. One request per datagram; the
 * family (IPv4, IPv6, dual stack) follows the address.
 */
import type { Socket } from 'node:dgram';
import {
  BaseServer,
  type BaseServerOptions,
  formatAddress,
  type HandlerSource,
  type InetAddress,
  type InetAddressInput,
  type InetBindAddress,
  parseInetAddress,
  type ServerTransport,
} from '@sockserve/core';
import {
  ALLOW_REUSE_PORT,
  assertReusePortSupported,
  BASE_SERVER_OPTIONS,
  booleanOption,
  DATAGRAM_QUEUE_SIZE,
  defineOptions,
  IPV6_ONLY,
  maxPacketSizeOption,
  type OptionsInput,
  RECV_BUFFER_SIZE,
  type ResolvedOptions,
  SEND_BUFFER_SIZE,
} from '@sockserve/core/kit';
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
});

/** Options of {@link UDPServer}: the base server's and {@link UDP_OPTIONS}. */
export interface UDPServerOptions
  extends BaseServerOptions<UdpDatagramRequest>,
    OptionsInput<typeof UDP_OPTIONS.specs> {}

/** Every UDP option is also a public field a subclass may override (Python's class attributes). */
export interface UDPServer extends ResolvedOptions<typeof UDP_OPTIONS.specs> {}

/**
 * Python's `socketserver.UDPServer`. Requests are {@link UdpDatagramRequest}s (`data`,
 * `reply()`, `socket`); `clientAddress` is the sender's host and port.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the option fields come from UDP_OPTIONS, assigned in the constructor.
export class UDPServer extends BaseServer<UdpDatagramRequest> {
  static override readonly options = BASE_SERVER_OPTIONS.with('UDPServer', UDP_OPTIONS);

  /** The address as given (`host` `''` = every interface). */
  readonly requestedAddress: InetBindAddress;

  constructor(
    serverAddress: InetAddressInput,
    handler: HandlerSource<UdpDatagramRequest, UDPServer>,
    options: UDPServerOptions = {},
  ) {
    const requested = parseInetAddress(serverAddress);
    super(handler as HandlerSource, options, UDP_OPTIONS);
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
    return new UdpTransport({
      address: this.requestedAddress,
      describe: `udp ${formatAddress(this.requestedAddress)}`,
      reuseAddr: this.allowReuseAddress,
      reusePort: this.allowReusePort,
      ipv6Only: this.ipv6Only,
      recvBufferSize: this.recvBufferSize,
      sendBufferSize: this.sendBufferSize,
      maxPacketSize: this.maxPacketSize,
      queueCapacity: this.requestQueueSize,
    });
  }
}
