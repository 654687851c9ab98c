/** The request a UDPServer hands its handler: Python's `(data, socket)` pair. */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { DatagramRequest, IncomingRequest, InetAddress, SocketAddress } from '@sockserve/core';

/**
 * One received datagram. `reply()` answers from the server's own socket and address;
 * `socket` is that `dgram.Socket` (Python's `self.request[1]`) for handlers that want
 * `socket.send(…, port, host)` themselves.
 *
 * One object per datagram: it is also what the transport hands the server (its own
 * `request`, with the sender's `clientAddress`), and its methods live on the prototype.
 */
export class UdpDatagramRequest implements DatagramRequest, IncomingRequest<UdpDatagramRequest> {
  /** The payload (Python's `self.request[0]`). */
  readonly data: Buffer;
  /** The server's socket (Python's `self.request[1]`). */
  readonly socket: Socket;
  /**
   * The sender (Python's `client_address`); replies go there. Behind a proxy
   * (`proxyProtocol`), the PROXY header's source, while replies go to the proxy.
   */
  readonly clientAddress: InetAddress;
  /** Where `reply()` sends: the datagram's sender. */
  readonly #replyTo: InetAddress;

  /**
   * `sender`: dgram's `RemoteInfo`, or the sender's address already made (a frozen
   * `InetAddress`, as `inetAddress()` makes: the transport reuses one per sender,
   * `sender-addresses.ts`). `client`: the client the datagram stands for, when not its sender
   * (a PROXY header's source).
   */
  constructor(
    data: Buffer,
    socket: Socket,
    sender: RemoteInfo | InetAddress,
    client?: SocketAddress,
  ) {
    this.data = data;
    this.socket = socket;
    this.#replyTo =
      'host' in sender
        ? sender
        : Object.freeze({
            family: sender.family === 'IPv6' ? 'IPv6' : 'IPv4',
            host: sender.address,
            port: sender.port,
          });
    this.clientAddress = client === undefined || client.family === 'unix' ? this.#replyTo : client;
  }

  /** Always true: a UDP sender always has an address. */
  get canReply(): true {
    return true;
  }

  /** This datagram itself: the transport hands it to the server as its own request. */
  get request(): this {
    return this;
  }

  /**
   * {@link reply} by callback (`DatagramRequest.replyThen`): `done(null)` once the system
   * took the datagram, `done(error)` when the send failed — no promise per reply.
   */
  replyThen(data: Uint8Array, done: (error?: Error | null) => void): void {
    const { host, port } = this.#replyTo;
    try {
      this.socket.send(data, port, host, done);
    } catch (error) {
      // A closed socket throws at once (ERR_SOCKET_DGRAM_NOT_RUNNING): reported the same way.
      done(error as Error);
    }
  }

  /**
   * Sends one datagram back to the sender. Resolves once the system took it (UDP gives no
   * delivery report); rejects with the system error when sending fails (EMSGSIZE for a
   * reply larger than the socket can send, ENOBUFS, a closed socket, …).
   */
  reply(data: Uint8Array): Promise<void> {
    const { host, port } = this.#replyTo;
    return new Promise<void>((resolve, reject) => {
      // dgram reports a send's outcome only to a callback: without one, a failed send is
      // silently dropped. The callback costs ~0.5 µs of CPU a send here (about 5% of the
      // send itself, measured with and without; see the package README).
      this.socket.send(data, port, host, (error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  }
}
