/**
 * The connection-oriented transport over `net.Server`, shared by TCP and Unix stream (Python
 * shares one class, `TCPServer`, for both). Connections are accepted paused
 * (`pauseOnConnect`), so no byte is read before a handler asks for it, and wait in a bounded
 * queue of `requestQueueSize`; a connection arriving when it is full is reset at once. The
 * kernel's listen backlog is always the OS maximum, so a burst lands in sockserve's queue,
 * where the excess is refused at once, rather than in a short kernel queue, where it would
 * hang in SYN retries. The `net.Server` comes from an injected factory, so a TLS (or any
 * other `net.Server`-shaped) transport is a package of its own. Which connections are let in
 * (descriptors, per-client and `maxConnections` limits, a full queue) and the count of those
 * turned away live in `connection-admission.ts`.
 */
import { AsyncResource } from 'node:async_hooks';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { abortConnection } from './abort-connection.js';
import { acceptedElsewhere } from './accepted-elsewhere.js';
import type { SocketAddress } from './address.js';
import { ConnectionAdmission } from './connection-admission.js';
import { ignoreConnectionError } from './connection-error-guard.js';
import { channels, publish } from './diagnostics.js';
import { acceptingOn, installEarlyRefusal } from './early-refusal.js';
import { BindError } from './errors.js';
import { closeGracefully, endClosingItself } from './graceful-close.js';
import { handleMoved } from './moved-socket.js';
import type { NetListenerConfig } from './net-listener-config.js';
import { osMaxBacklog } from './platform.js';
import { PreambleRuns } from './preamble-runs.js';
import { RequestQueue } from './request-queue.js';
import type { IncomingRequest, ServerTransport, TransportStats } from './transport.js';

// Moved to its own module; still exported from here, where it was first.
export type { NetListenerConfig } from './net-listener-config.js';

const ignoreError = () => {};

/** `ServerTransport` over `net.Server`; see the module comment. */
export class NetListenerTransport implements ServerTransport<Socket> {
  readonly kind = 'stream';
  /**
   * Every connection reaches the serve loop in the async context `bind()` ran in: one the
   * listener accepted, from its own `'connection'` event (Node calls a handle back in the
   * context it was made in), so the loop enters no scope for it (`request-context.ts`: ~1.3k
   * instructions a connection, issue 11); any other — a `'connection'` emitted from elsewhere
   * (forking's children over IPC), one admitted after its preamble from the socket's own
   * events — inside a scope made in `bind()` (see {@link takeNext}).
   */
  readonly eventsInBindScope = true;
  readonly stats: TransportStats = {
    accepted: 0,
    refused: 0,
    oversized: 0,
    shed: 0,
    refusedPerClient: 0,
    dropped: 0,
  };
  readonly #config: NetListenerConfig;
  readonly #queue: RequestQueue<IncomingRequest<Socket>>;
  /** Sockets closing gracefully in the background; destroyed by `close()`. */
  readonly #lingering = new Set<Socket>();
  /** Who is let in, and the count of who is not (connection-admission.ts). */
  readonly #admission: ConnectionAdmission;
  #server: Server | undefined;
  #address: SocketAddress | undefined;
  /** Connections in their preamble (a PROXY header), when the config has one. */
  readonly #preambles: PreambleRuns | undefined;
  /** The serve loop's `onNext` of {@link takeNext}, and it behind {@link handOver} (made once per loop). */
  #onNext: ((incoming: IncomingRequest<Socket> | undefined) => void) | undefined;
  #handOverNext: ((incoming: IncomingRequest<Socket> | undefined) => void) | undefined;
  /** Made in `bind()`'s context: a hand-over from outside the listener's own accept enters it. */
  #bindScope: AsyncResource | undefined;

  constructor(config: NetListenerConfig) {
    this.#config = config;
    this.#queue = new RequestQueue(config.queueCapacity);
    const admission = new ConnectionAdmission(config, this.stats, () => this.#address, this.#queue);
    this.#admission = admission;
    if (config.preamble !== undefined) {
      this.#preambles = new PreambleRuns(config.preamble, {
        stats: this.stats,
        address: () => this.#address,
        admit: (socket, client) => this.#admitAfterPreamble(socket, client),
        release: (socket) => admission.release(socket),
      });
    }
  }

  /** The `net.Server` (Python's `server.socket`), once bound. */
  get listener(): Server | undefined {
    return this.#server;
  }

  get address(): SocketAddress {
    if (this.#address === undefined) throw new Error('the transport is not bound');
    return this.#address;
  }

  async bind(): Promise<void> {
    // allowHalfOpen: a client that half-closes after its request (nc -N, socat, shutdown(SHUT_WR))
    // still gets the reply, as with Python; Node's default would end our side at its FIN.
    this.#bindScope = new AsyncResource('sockserve.netListener');
    const create = this.#config.createServer ?? createNetServer;
    const server = create({ ...this.#config.server, pauseOnConnect: true, allowHalfOpen: true });
    const aroundListen = this.#config.aroundListen ?? ((listen: () => void) => listen());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        aroundListen(() =>
          server.listen({ ...this.#config.listen, backlog: osMaxBacklog() }, () => {
            server.off('error', reject);
            resolve();
          }),
        );
      });
    } catch (error) {
      server.close(ignoreError);
      throw new BindError(this.#config.describe, error);
    }
    server.on('connection', (socket: Socket) => this.#accept(socket));
    // Refusals that need no socket skip building one (early-refusal.ts); #accept stays the
    // path for everything else, and for every refusal where the hook can't be installed.
    installEarlyRefusal(server, (peer) => this.#admission.refuseEarly(peer));
    server.on('error', (error) => this.#admission.acceptFailed(error));
    this.#server = server;
    this.#address = this.#config.serverAddress(server);
  }

  async activate(): Promise<void> {}

  async take(signal?: AbortSignal): Promise<IncomingRequest<Socket> | undefined> {
    return handOver(await this.#queue.take(signal));
  }

  /**
   * The serve loop's fast path (see `ServerTransport.takeNext`): a connection accepted while
   * the loop waits goes to it from the `'connection'` event, without a promise. A subclass
   * that overrides `take()` keeps its override: the fast path then goes through it, and an
   * error its `take()` rejects with reaches the loop (`onError`), as from `take()` itself.
   */
  takeNext(
    onNext: (incoming: IncomingRequest<Socket> | undefined) => void,
    signal?: AbortSignal,
    onError?: (error: unknown) => void,
  ): IncomingRequest<Socket> | undefined {
    if (this.take !== NetListenerTransport.prototype.take) {
      this.take(signal).then(onNext, onError ?? (() => onNext(undefined)));
      return undefined;
    }
    if (this.#onNext !== onNext) {
      this.#onNext = onNext;
      this.#handOverNext = (incoming) => {
        const given = handOver(incoming);
        const server = this.#server;
        const scope = this.#bindScope;
        // In the listener's own accept: already in bind()'s context (eventsInBindScope).
        if (scope === undefined || (server !== undefined && acceptingOn(server))) onNext(given);
        else scope.runInAsyncScope(onNext, undefined, given);
      };
    }
    return handOver(
      this.#queue.takeNext(
        this.#handOverNext as (incoming: IncomingRequest<Socket> | undefined) => void,
        signal,
      ),
    );
  }

  shutdownRequest(socket: Socket): void {
    // Python: request.shutdown(SHUT_WR). Queued writes are flushed first, then FIN. A socket
    // whose handle moved to a child is ended there (see moved-socket.ts).
    if (!socket.destroyed && !handleMoved(socket)) socket.end();
  }

  closeRequest(socket: Socket): void {
    this.#admission.release(socket);
    // A moved socket's shell is left alone: the child closes the connection, and Node counted
    // it out of the net.Server when the handle left.
    if (socket.destroyed || handleMoved(socket)) return;
    // The usual end (the client's FIN came, nothing left to write): it closes itself soon,
    // whatever the client does, so close() need not find it (graceful-close.ts).
    if (endClosingItself(socket)) return;
    // Closed in the background (see closeGracefully); destroyed by close() if still lingering.
    this.#lingering.add(socket);
    closeGracefully(socket, this.#config.closeTimeout, () => this.#lingering.delete(socket));
  }

  /** Closes the listener; connections already queued stay and are still handed out. */
  stopAccepting(): void {
    this.#preambles?.abort();
    this.#queue.stopAccepting();
    const server = this.#server;
    if (server?.listening) server.close();
  }

  async close(): Promise<void> {
    this.#preambles?.abort();
    const dropped = this.#queue.close();
    this.stats.dropped += dropped.length;
    for (const { request } of dropped) abortConnection(request);
    this.#admission.clear();
    for (const socket of this.#lingering) socket.destroy();
    const server = this.#server;
    if (server?.listening) server.close();
  }

  fileno(): number | undefined {
    const fd = (this.#server as unknown as { _handle?: { fd?: unknown } } | undefined)?._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  #accept(socket: Socket): void {
    // Without a listener an 'error' (ECONNRESET, EPIPE) would crash the process; readers and
    // writers see the error through their own listeners or the destroyed state.
    socket.on('error', ignoreConnectionError);
    const admission = this.#admission;
    if (admission.shedIfExhausted(socket)) return;
    const clientAddress = this.#config.clientAddress(socket);
    const preambles = this.#preambles;
    const perClient = admission.perClient;
    // Behind a preamble the client is known only after it (a PROXY header's source).
    if (preambles === undefined && perClient !== undefined && !perClient.admit(socket)) {
      admission.refusePerClient(socket, clientAddress);
      return;
    }
    const atLimit = admission.atMaxConnections();
    if (!atLimit && preambles !== undefined) {
      // Counted toward maxConnections from accept; without a limit nothing reads the set
      // (a Set add and delete per proxied connection saved, as #enqueue does for plain ones).
      if (this.#config.maxConnections !== undefined) admission.open.add(socket);
      preambles.start(socket, clientAddress);
      return;
    }
    this.#enqueue(socket, clientAddress, atLimit);
  }

  /** Queues an accepted connection (its preamble, if any, done), or refuses it. */
  #enqueue(socket: Socket, clientAddress: SocketAddress, atLimit: boolean): void {
    // Accepted by another process before a stop and announced after it: still queued (accepted-elsewhere.ts).
    const late = !this.#queue.accepting && !this.#queue.closed && acceptedElsewhere(socket);
    if (!atLimit && (late || this.#queue.hasRoom)) {
      if (this.#config.maxConnections !== undefined) this.#admission.open.add(socket);
      this.stats.accepted += 1;
      // Guarded here: the message's closure is not made for every connection nobody watches.
      if (channels.accepted.hasSubscribers) {
        publish(channels.accepted, () => ({ address: this.#address, clientAddress }));
      }
      // Counted first: a waiting serve loop (takeNext) starts the request within offer().
      // Refused only when an 'accepted' subscriber stopped the server: dropped, unserved.
      const incoming = { request: socket, clientAddress };
      if (!(late ? this.#queue.offerLate(incoming) : this.#queue.offer(incoming)))
        this.#dropAccepted(socket);
    } else {
      this.#admission.release(socket);
      abortConnection(socket);
      this.#admission.countRefused(atLimit ? 'max-connections' : 'queue-full', clientAddress);
    }
  }

  /** Releases a connection counted accepted that the queue refused: reset, counted `dropped`. */
  #dropAccepted(socket: Socket): void {
    this.#admission.release(socket);
    abortConnection(socket);
    this.stats.dropped += 1;
  }

  /** A connection past its preamble, as `client` (a PROXY header's source): queued or refused. */
  #admitAfterPreamble(socket: Socket, client: SocketAddress): void {
    const host = client.family === 'unix' ? undefined : client.host;
    const admission = this.#admission;
    if (admission.perClient !== undefined && !admission.perClient.admit(socket, host)) {
      admission.open.delete(socket);
      admission.refusePerClient(socket, client);
      return;
    }
    this.#enqueue(socket, client, false);
  }
}

/**
 * A connection leaving the queue for a handler. Accepted paused (flowing === false), which
 * would stop a 'data' listener from starting the flow; it is handed over in the default state
 * instead. It still reads nothing until asked.
 */
function handOver(
  incoming: IncomingRequest<Socket> | undefined,
): IncomingRequest<Socket> | undefined {
  if (incoming !== undefined)
    (incoming.request as { readableFlowing: boolean | null }).readableFlowing = null;
  return incoming;
}
