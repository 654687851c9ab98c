/**
 * The part every datagram transport shares (UDP, Unix datagrams, a third party's): the
 * bounded {@link DatagramIntake} behind `take()` and `stats`, nothing to do per request
 * (Python's `shutdown_request` / `close_request` are no-ops for a datagram), `stopAccepting()`
 * that keeps the socket open for replies, `close()` that drops what waits and then closes the
 * socket, and one warning for a socket error instead of a crash. A transport extends it with
 * its socket: `bind()`, `address`, `fileno()` and {@link DatagramTransport.closeSocket}.
 * Python's counterpart is the datagram half of `UDPServer` (`get_request`, the no-op
 * `shutdown_request`).
 */
import type { SocketAddress } from './address.js';
import { DatagramIntake } from './datagram-intake.js';
import type {
  DatagramRequest,
  IncomingRequest,
  ServerTransport,
  TransportStats,
} from './transport.js';

/** What {@link DatagramTransport} needs: the intake's bounds. */
export interface DatagramTransportConfig {
  /** Datagrams waiting for the serve loop at most (`datagramQueueSize`). */
  readonly queueCapacity: number;
  /** Larger datagrams are dropped and counted in `stats.oversized`. */
  readonly maxPacketSize: number;
}

/** A datagram `ServerTransport` without its socket; see the module comment. */
export abstract class DatagramTransport<TRequest extends DatagramRequest>
  implements ServerTransport<TRequest>
{
  readonly kind = 'datagram';
  /**
   * @internal True when requests reach the serve loop only from the events of the sockets
   * `bind()` makes (no queue hand-over from elsewhere): the server then binds it in its
   * request scope, and the loop hands each datagram over without entering a scope of its own
   * (`request-context.ts`). False here; a transport that knows it sets it.
   */
  readonly eventsInBindScope: boolean = false;
  /**
   * Where received datagrams go: from the socket's message event, `intake.offer(size, make)`,
   * or (no closure) `if (intake.admits(size)) intake.accept(request)`.
   */
  protected readonly intake: DatagramIntake<TRequest>;
  #errorWarned = false;

  constructor(config: DatagramTransportConfig) {
    this.intake = new DatagramIntake(config.queueCapacity, config.maxPacketSize);
  }

  /** The bound address (Python's `server_address`). */
  abstract get address(): SocketAddress;

  /** Binds the socket (Python's `server_bind()`). */
  abstract bind(): Promise<void>;

  /** The socket's descriptor, when the socket exposes it. */
  abstract fileno(): number | undefined;

  /** Closes the socket; called by {@link close} after the intake stopped. */
  protected abstract closeSocket(): Promise<void>;

  get stats(): Readonly<TransportStats> {
    return this.intake.stats;
  }

  /** Python's `server_activate()`: nothing to do for a datagram socket. */
  async activate(): Promise<void> {}

  take(signal?: AbortSignal): Promise<IncomingRequest<TRequest> | undefined> {
    return this.intake.take(signal);
  }

  /** The serve loop's fast path: see {@link ServerTransport.takeNext}. */
  takeNext(
    onNext: (incoming: IncomingRequest<TRequest> | undefined) => void,
    signal?: AbortSignal,
  ): IncomingRequest<TRequest> | undefined {
    return this.intake.takeNext(onNext, signal);
  }

  /** Python: nothing to do for a datagram. */
  shutdownRequest(): void {}

  /** Python: nothing to do for a datagram. */
  closeRequest(): void {}

  /** Takes no more datagrams; those queued are still served. The socket stays open for replies. */
  stopAccepting(): void {
    this.intake.stopAccepting();
  }

  /** Drops the datagrams still waiting (counted in `stats.dropped`), then closes the socket. */
  async close(): Promise<void> {
    this.intake.close();
    await this.closeSocket();
  }

  /**
   * A socket error that is not a send's (a send error rejects that reply): one process
   * warning (`SOCKSERVE_SOCKET_ERROR`) naming `what`, never a crash of the server.
   */
  protected socketFailed(what: string, error: Error): void {
    if (this.#errorWarned) return;
    this.#errorWarned = true;
    process.emitWarning(`sockserve: ${what}: ${error.message}`, {
      code: 'SOCKSERVE_SOCKET_ERROR',
    });
  }
}
