/**
 * `UDPServer`: Python's `socketserver.UDPServer` on `dgram`. One request per datagram; the
 * family (IPv4, IPv6, dual stack) follows the address.
 */
import type { Socket } from 'node:dgram';
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
  optionalBoolean,
  optionalInteger,
  parseInetAddress,
  rejectUnknownOptions,
  type ServerTransport,
} from '@sockserve/core';
import type { UdpDatagramRequest } from './udp-request.js';
import { UdpTransport } from './udp-transport.js';

/** Options of {@link UDPServer}; each is also a public field a subclass may override. */
export interface UDPServerOptions extends BaseServerOptions<UdpDatagramRequest> {
  /** Largest datagram handed to the handler (Python's `max_packet_size`). Larger ones are dropped and counted in `stats.oversized`. Default 8192. */
  readonly maxPacketSize?: number;
  /** Datagrams that may wait in memory for the serve loop; more are dropped and counted in `stats.refused`. Default 1024. */
  readonly requestQueueSize?: number;
  /** SO_REUSEADDR (Python's `allow_reuse_address`). Default false. */
  readonly allowReuseAddress?: boolean;
  /** SO_REUSEPORT: several servers on one port (Node >= 22.12). Default false. */
  readonly allowReusePort?: boolean;
  /** With an IPv6 host, refuse IPv4 senders (no dual stack). Default false. */
  readonly ipv6Only?: boolean;
  /** SO_RCVBUF in bytes; the OS default when omitted. */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF in bytes; the OS default when omitted. */
  readonly sendBufferSize?: number;
}

const OPTIONS = [
  ...BASE_SERVER_OPTIONS,
  'maxPacketSize',
  'requestQueueSize',
  'allowReuseAddress',
  'allowReusePort',
  'ipv6Only',
  'recvBufferSize',
  'sendBufferSize',
] as const;

/** The largest UDP payload (65535 - 8-byte UDP header - 20-byte IPv4 header). */
const MAX_UDP_PAYLOAD = 65_507;

/**
 * Python's `socketserver.UDPServer`. Requests are {@link UdpDatagramRequest}s (`data`,
 * `reply()`, `socket`); `clientAddress` is the sender's host and port.
 */
export class UDPServer extends BaseServer<UdpDatagramRequest> {
  /** The address as given (`host` `''` = every interface). */
  readonly requestedAddress: InetBindAddress;
  /** See {@link UDPServerOptions.maxPacketSize}. */
  maxPacketSize: number;
  /** See {@link UDPServerOptions.requestQueueSize}. */
  requestQueueSize: number;
  /** See {@link UDPServerOptions.allowReuseAddress}. */
  allowReuseAddress: boolean;
  /** See {@link UDPServerOptions.allowReusePort}. */
  allowReusePort: boolean;
  /** See {@link UDPServerOptions.ipv6Only}. */
  ipv6Only: boolean;
  /** See {@link UDPServerOptions.recvBufferSize}. */
  recvBufferSize: number | undefined;
  /** See {@link UDPServerOptions.sendBufferSize}. */
  sendBufferSize: number | undefined;

  constructor(
    serverAddress: InetAddressInput,
    handler: HandlerSource<UdpDatagramRequest, UDPServer>,
    options: UDPServerOptions = {},
  ) {
    rejectUnknownOptions('UDPServer', options, OPTIONS);
    const requested = parseInetAddress(serverAddress);
    super(handler as HandlerSource, options);
    this.requestedAddress = requested;
    this.maxPacketSize =
      optionalInteger('maxPacketSize', options.maxPacketSize, 1, MAX_UDP_PAYLOAD) ?? 8192;
    this.requestQueueSize =
      optionalInteger('requestQueueSize', options.requestQueueSize, 1) ?? 1024;
    this.allowReuseAddress =
      optionalBoolean('allowReuseAddress', options.allowReuseAddress) ?? false;
    this.allowReusePort = optionalBoolean('allowReusePort', options.allowReusePort) ?? false;
    this.ipv6Only = optionalBoolean('ipv6Only', options.ipv6Only) ?? false;
    this.recvBufferSize = optionalInteger('recvBufferSize', options.recvBufferSize, 1);
    this.sendBufferSize = optionalInteger('sendBufferSize', options.sendBufferSize, 1);
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
