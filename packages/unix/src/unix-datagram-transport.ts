/**
 * The Unix datagram transport over {@link UnixDgramSocket}. Replies go from the server's own
 * socket to the sender's bound path; a sender with no path (an unbound socket) gets a request
 * with `canReply: false`. With `proxyProtocol` every datagram starts with a PROXY v2 header
 * (spec 3.4): the handler gets the payload and the header's source, the reply goes to the
 * sender (the proxy).
 */
import {
  attachRequestInfo,
  BindError,
  type DatagramRequest,
  type IncomingRequest,
  type SocketAddress,
  UnanswerableError,
  type UnixAddress,
  unixAddress,
} from '@sockserve/core';
import { DatagramTransport } from '@sockserve/core/kit';
import {
  type ProxyDatagramOutcome,
  proxyDatagramReader,
  type ResolvedProxyProtocol,
  rejectProxyDatagram,
} from '@sockserve/proxy-protocol/server';
import { SocketFile } from './socket-file.js';
import { UnixDgramSocket } from './unix-dgram-socket.js';

/** How a {@link UnixDatagramTransport} binds; filled in by `UnixDatagramServer`. */
export interface UnixDatagramTransportConfig {
  readonly path: string;
  readonly mode: number | undefined;
  readonly maxPacketSize: number;
  readonly queueCapacity: number;
  readonly recvBufferSize: number | undefined;
  readonly sendBufferSize: number | undefined;
  /** Every datagram starts with a PROXY v2 header (`proxyProtocol`). */
  readonly proxyProtocol?: ResolvedProxyProtocol | undefined;
}

/**
 * One datagram received on a Unix datagram socket. It is also what the transport hands the
 * server (its own `request`, with the sender's `clientAddress`): one object per datagram.
 */
export class UnixDatagramRequest implements DatagramRequest, IncomingRequest<UnixDatagramRequest> {
  readonly data: Buffer;
  /** The sender's bound path; `''` when it sent from an unbound socket. */
  readonly senderPath: string;
  /**
   * The client (Python's `client_address`): the sender's path, or behind a proxy
   * (`proxyProtocol`) the PROXY header's source, while replies still go to the sender.
   */
  readonly clientAddress: SocketAddress;
  readonly #socket: UnixDgramSocket;

  /** `client`: the client the datagram stands for, when not its sender (a PROXY header's source). */
  constructor(data: Buffer, senderPath: string, socket: UnixDgramSocket, client?: SocketAddress) {
    this.data = data;
    this.senderPath = senderPath;
    this.#socket = socket;
    this.clientAddress = client ?? unixAddress(senderPath);
  }

  /** This datagram itself: the transport hands it to the server as its own request. */
  get request(): this {
    return this;
  }

  get canReply(): boolean {
    return this.senderPath !== '';
  }

  reply(data: Uint8Array): Promise<void> {
    if (!this.canReply) return Promise.reject(new UnanswerableError());
    return this.#socket.sendTo(data, this.senderPath);
  }

  /** {@link reply} by callback (`DatagramRequest.replyThen`): no promise per reply. */
  replyThen(data: Uint8Array, done: (error?: Error | null) => void): void {
    if (!this.canReply) done(new UnanswerableError());
    else this.#socket.sendToThen(data, this.senderPath, done);
  }
}

/** `ServerTransport` over an AF_UNIX datagram socket (the shared datagram part is the kit's); see the module comment. */
export class UnixDatagramTransport extends DatagramTransport<UnixDatagramRequest> {
  readonly #address: UnixAddress;
  readonly #config: UnixDatagramTransportConfig;
  readonly #file: SocketFile;
  #socket: UnixDgramSocket | undefined;
  readonly #readHeader: ((data: Buffer, sender: UnixAddress) => ProxyDatagramOutcome) | undefined;

  constructor(config: UnixDatagramTransportConfig) {
    super(config);
    this.#config = config;
    this.#address = unixAddress(config.path);
    this.#file = new SocketFile(config.path, config.mode, config.path);
    const proxy = config.proxyProtocol;
    this.#readHeader = proxy === undefined ? undefined : proxyDatagramReader(proxy);
  }

  get address(): UnixAddress {
    return this.#address;
  }

  async bind(): Promise<void> {
    let socket: UnixDgramSocket | undefined;
    try {
      await this.#file.claim(async (underMode) => {
        const candidate = new UnixDgramSocket(
          (data, sender) => this.#received(candidate, data, sender),
          (error) => this.socketFailed(`Unix datagram socket error on ${this.#config.path}`, error),
        );
        try {
          underMode(() => candidate.bind(this.#config.path));
        } catch (error) {
          candidate.close();
          throw error;
        }
        socket = candidate;
      });
      socket?.setBufferSizes(this.#config.recvBufferSize, this.#config.sendBufferSize);
    } catch (error) {
      const bound = socket;
      await this.#file.release(() => bound?.close());
      throw error instanceof BindError ? error : new BindError(this.#config.path, error);
    }
    this.#socket = socket;
  }

  protected async closeSocket(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    await this.#file.release(() => socket?.close());
  }

  /** The addon does not expose its descriptor. */
  fileno(): undefined {
    return undefined;
  }

  #received(socket: UnixDgramSocket, data: Buffer, sender: string): void {
    const intake = this.intake;
    const readHeader = this.#readHeader;
    if (readHeader === undefined) {
      // The request is its own IncomingRequest: one object per datagram, no closure.
      if (intake.admits(data.length)) intake.accept(new UnixDatagramRequest(data, sender, socket));
      return;
    }
    const from = unixAddress(sender);
    const outcome = readHeader(data, from);
    if (!outcome.accept) {
      rejectProxyDatagram(intake.stats, this.#address, from, outcome);
      return;
    }
    const { payload, clientAddress, header } = outcome;
    intake.offer(payload.length, () => {
      const request = new UnixDatagramRequest(payload, sender, socket, clientAddress);
      attachRequestInfo(request, { proxy: header });
      return request;
    });
  }
}
