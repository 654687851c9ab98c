/**
 * The UDP transport over `dgram`. The socket type follows the host: an IPv4 literal binds
 * `udp4`, an IPv6 literal `udp6`, `''` binds `::` dual stack (falling back to `0.0.0.0` where
 * the host has no IPv6), and a name is looked up once at bind time.
 */

import { createSocket, type RemoteInfo, type Socket, type SocketType } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  attachRequestInfo,
  BindError,
  type InetAddress,
  type InetBindAddress,
  type InheritedSocket,
  inetAddress,
  systemCode,
} from '@sockserve/core';
import { DatagramTransport, preambleRejectedChannel } from '@sockserve/core/kit';
import {
  type ProxyDatagramOutcome,
  proxyDatagramReader,
  type ResolvedProxyProtocol,
} from '@sockserve/proxy-protocol/server';
import { ReplyLookup } from './reply-lookup.js';
import { SenderAddresses } from './sender-addresses.js';
import { UdpDatagramRequest } from './udp-request.js';

/** How a {@link UdpTransport} binds; filled in by `UDPServer`. */
export interface UdpTransportConfig {
  /** Where to bind, or an inherited UDP socket (`{ fd }`) to adopt instead. */
  readonly address: InetBindAddress | InheritedSocket;
  /** For `{ fd }`: the inherited socket's family, as `checkInheritedDescriptor` found it. */
  readonly inheritedType?: SocketType;
  readonly describe: string;
  readonly reuseAddr: boolean;
  readonly reusePort: boolean;
  readonly ipv6Only: boolean;
  readonly recvBufferSize: number | undefined;
  readonly sendBufferSize: number | undefined;
  readonly maxPacketSize: number;
  readonly queueCapacity: number;
  /** Every datagram from a trusted source starts with a PROXY v2 header (`proxyProtocol`). */
  readonly proxyProtocol?: ResolvedProxyProtocol;
}

/** `ServerTransport` over a `dgram.Socket` (the shared datagram part is the kit's); see the module comment. */
export class UdpTransport extends DatagramTransport<UdpDatagramRequest> {
  /** Datagrams come only from the 'message' events of the socket bind() makes. */
  override readonly eventsInBindScope = true;
  readonly #config: UdpTransportConfig;
  #socket: Socket | undefined;
  #address: InetAddress | undefined;

  constructor(config: UdpTransportConfig) {
    super(config);
    this.#config = config;
  }

  /** The bound `dgram.Socket` (Python's `server.socket`). */
  get socket(): Socket | undefined {
    return this.#socket;
  }

  get address(): InetAddress {
    if (this.#address === undefined) throw new Error('the transport is not bound');
    return this.#address;
  }

  async bind(): Promise<void> {
    const requested = this.#config.address;
    let socket: Socket;
    try {
      if ('fd' in requested) {
        socket = await this.#bindOne(this.#config.inheritedType ?? 'udp4', { fd: requested.fd });
      } else if (requested.host === '') {
        socket = await this.#bindAnyFamily(requested.port);
      } else {
        const { host, port } = requested;
        const literal = isIP(host);
        const resolved = literal === 0 ? await lookup(host) : { address: host, family: literal };
        socket = await this.#bindOne(resolved.family === 6 ? 'udp6' : 'udp4', {
          address: resolved.address,
          port,
        });
      }
    } catch (error) {
      throw error instanceof BindError ? error : new BindError(this.#config.describe, error);
    }
    const { address, port: boundPort } = socket.address();
    this.#address = inetAddress(address, boundPort);
    this.#socket = socket;
    const proxy = this.#config.proxyProtocol;
    if (proxy === undefined) {
      // Without `proxyProtocol` a datagram costs no check for it: this listener has none.
      const intake = this.intake;
      const senders = new SenderAddresses();
      socket.on('message', (data, remote) => {
        // The request is its own IncomingRequest: one object per datagram, no closure; its
        // sender's frozen address is reused while the sender stays the same.
        if (intake.admits(data.length))
          intake.accept(new UdpDatagramRequest(data, socket, senders.of(remote)));
      });
    } else {
      const readHeader = proxyDatagramReader(proxy);
      socket.on('message', (data, remote) => this.#offerProxied(socket, data, remote, readHeader));
    }
    socket.on('error', (error) =>
      this.socketFailed(`UDP socket error on ${this.#config.describe}`, error),
    );
  }

  /**
   * A datagram behind a proxy: its v2 header read off (the handler gets the payload, with the
   * header's source as client address; replies still go to the proxy), or it is dropped,
   * counted in `stats.proxyRejected` and published on `sockserve:proxy.rejected`.
   */
  #offerProxied(
    socket: Socket,
    data: Buffer,
    remote: RemoteInfo,
    readHeader: (data: Buffer, sender: InetAddress) => ProxyDatagramOutcome,
  ): void {
    const sender = inetAddress(remote.address, remote.port);
    const outcome = readHeader(data, sender);
    if (!outcome.accept) {
      const stats = this.intake.stats;
      stats.proxyRejected = (stats.proxyRejected ?? 0) + 1;
      const { reason, error } = outcome;
      const channel = preambleRejectedChannel('proxy');
      if (channel.hasSubscribers)
        channel.publish({ address: this.#address, clientAddress: sender, reason, error });
      return;
    }
    const { payload, clientAddress, header } = outcome;
    this.intake.offer(payload.length, () => {
      const request = new UdpDatagramRequest(payload, socket, sender, clientAddress);
      attachRequestInfo(request, { proxy: header });
      return request;
    });
  }

  protected async closeSocket(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /**
   * The socket's descriptor. `dgram` keeps its handle behind an internal `state symbol`
   * (`_handle` is deprecated, DEP0112, and gone in Node 26); undefined if that ever moves.
   */
  fileno(): number | undefined {
    const socket = this.#socket;
    if (socket === undefined) return undefined;
    const state = Object.getOwnPropertySymbols(socket)
      .filter((symbol) => symbol.description === 'state symbol')
      .map(
        (symbol) => (socket as unknown as Record<symbol, { handle?: { fd?: unknown } }>)[symbol],
      )[0];
    const fd = state?.handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  async #bindAnyFamily(port: number): Promise<Socket> {
    try {
      return await this.#bindOne('udp6', { address: '::', port });
    } catch (error) {
      if (systemCode(error) !== 'EAFNOSUPPORT' && systemCode(error) !== 'EADDRNOTAVAIL')
        throw error;
      return this.#bindOne('udp4', { address: '0.0.0.0', port });
    }
  }

  /** Binds `{ address, port }`, or adopts `{ fd }` (dgram's `bind({ fd })`, Node 22+). */
  #bindOne(
    type: SocketType,
    where: { address: string; port: number } | { fd: number },
  ): Promise<Socket> {
    const c = this.#config;
    // Replies to a sender's literal address skip dgram's lookup tick once bound (reply-lookup.ts).
    const lookup = new ReplyLookup();
    const socket = createSocket({
      type,
      lookup: lookup.lookup,
      reuseAddr: c.reuseAddr,
      ...(c.reusePort ? { reusePort: true } : {}),
      ...(type === 'udp6' ? { ipv6Only: c.ipv6Only } : {}),
      ...(c.recvBufferSize === undefined ? {} : { recvBufferSize: c.recvBufferSize }),
      ...(c.sendBufferSize === undefined ? {} : { sendBufferSize: c.sendBufferSize }),
    });
    return new Promise<Socket>((resolve, reject) => {
      socket.once('error', (error) => {
        try {
          socket.close();
        } catch {
          // Never bound: nothing to close.
        }
        reject(error);
      });
      socket.bind(where, () => {
        socket.removeAllListeners('error');
        lookup.markBound();
        resolve(socket);
      });
    });
  }
}
