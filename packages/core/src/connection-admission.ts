/**
 * Which connections `NetListenerTransport` lets in, and the count of those it turns away: out
 * of file descriptors (shed), `maxConnectionsPerClient` (refused per client),
 * `maxConnections` and a full queue (refused) — each reset at once, counted in the
 * transport's stats and published (`sockserve:connection.refused`) or warned about. The
 * same checks run before a socket exists (`early-refusal.ts`: {@link refuseEarly}) and on
 * an accepted socket; the open set it keeps for `maxConnections` is released by the
 * transport's `closeRequest`. No Python counterpart (Python's `request_queue_size` is the
 * kernel's backlog).
 */
import type { Socket } from 'node:net';
import { abortConnection } from './abort-connection.js';
import { inetAddress, type SocketAddress, unixAddress } from './address.js';
import { DescriptorGuard, ShedWarning } from './connection-shedding.js';
import { channels, publish } from './diagnostics.js';
import type { AcceptedPeer } from './early-refusal.js';
import { systemCode } from './errors.js';
import type { NetListenerConfig } from './net-listener-config.js';
import { PerClientLimit } from './per-client-limit.js';
import type { TransportStats } from './transport.js';

/** Why a connection was refused, as published. */
type RefusalReason = 'per-client-limit' | 'max-connections' | 'queue-full';

/** A listener's admission checks and refusal counts; see the module comment. */
export class ConnectionAdmission {
  /** Connections accepted and not yet released (for `maxConnections`). */
  readonly open = new Set<Socket>();
  /** The per-client limit, when the config sets `maxConnectionsPerClient`. */
  readonly perClient: PerClientLimit | undefined;
  readonly #config: NetListenerConfig;
  readonly #stats: TransportStats;
  readonly #address: () => SocketAddress | undefined;
  readonly #queue: { readonly hasRoom: boolean };
  readonly #guard = new DescriptorGuard();
  readonly #shedWarning: ShedWarning;
  #acceptErrorWarned = false;

  /**
   * `stats`: the transport's, counted into; `address` gives the listener's address for what is
   * published (once bound); `queue`: the transport's, full or not.
   */
  constructor(
    config: NetListenerConfig,
    stats: TransportStats,
    address: () => SocketAddress | undefined,
    queue: { readonly hasRoom: boolean },
  ) {
    this.#config = config;
    this.#stats = stats;
    this.#address = address;
    this.#queue = queue;
    this.#shedWarning = new ShedWarning(config.describe);
    if (config.maxConnectionsPerClient !== undefined) {
      this.perClient = new PerClientLimit(
        config.maxConnectionsPerClient,
        config.perClientIpv6Prefix,
      );
    }
  }

  /** True (and `socket` shed: reset, counted, warned about) when descriptors ran out. */
  shedIfExhausted(socket: Socket): boolean {
    if (!this.#guard.exhausted(socket)) return false;
    this.#stats.shed = (this.#stats.shed ?? 0) + 1;
    abortConnection(socket);
    this.#shedWarning.note('out of file descriptors');
    return true;
  }

  /**
   * Refuses before a socket exists when the accepted socket would be refused anyway: the same
   * checks in the same order, counted and published the same way. A connection to be shed
   * (out of descriptors) goes on to the socket path, which counts it as shed.
   */
  refuseEarly(peer: AcceptedPeer): boolean {
    if (this.#guard.exhaustedFd(peer.fd)) return false;
    let reason: RefusalReason;
    // Behind a preamble the client is the header's source, known only later.
    if (this.#config.preamble === undefined && this.perClient?.full(peer.address))
      reason = 'per-client-limit';
    else if (this.atMaxConnections()) reason = 'max-connections';
    // With a preamble the queue comes later (after the header): not a reason to refuse here.
    else if (this.#config.preamble === undefined && !this.#queue.hasRoom) reason = 'queue-full';
    else return false;
    const { address, port } = peer;
    this.countRefused(reason, address === undefined ? unixAddress('') : inetAddress(address, port));
    return true;
  }

  /** True when `maxConnections` connections are open. */
  atMaxConnections(): boolean {
    return this.open.size >= (this.#config.maxConnections ?? Number.POSITIVE_INFINITY);
  }

  /** Counts a refusal (`refusedPerClient` or `refused`) and publishes it with its reason. */
  countRefused(reason: RefusalReason, clientAddress: SocketAddress): void {
    const stats = this.#stats;
    if (reason === 'per-client-limit') stats.refusedPerClient = (stats.refusedPerClient ?? 0) + 1;
    else stats.refused += 1;
    publish(channels.refused, () => ({ address: this.#address(), clientAddress, reason }));
  }

  /** Resets a connection whose client already holds `maxConnectionsPerClient`; counted and published. */
  refusePerClient(socket: Socket, clientAddress: SocketAddress): void {
    abortConnection(socket);
    this.countRefused('per-client-limit', clientAddress);
  }

  /** Lets go of an open connection (its `maxConnections` and per-client places). */
  release(socket: Socket): void {
    this.open.delete(socket);
    this.perClient?.release(socket);
  }

  /** Forgets every open connection (the transport closed). */
  clear(): void {
    this.open.clear();
    this.perClient?.clear();
  }

  /** The listener's `'error'`: an `accept()` that failed, never fatal. */
  acceptFailed(error: Error): void {
    // EMFILE / ENFILE: libuv closed a connection it could not accept; count it as shed.
    // Anything else (ECONNABORTED…): warn once.
    const code = systemCode(error);
    if (code === 'EMFILE' || code === 'ENFILE') {
      this.#stats.shed = (this.#stats.shed ?? 0) + 1;
      this.#shedWarning.note(`accept failed with ${code}`);
      return;
    }
    if (this.#acceptErrorWarned) return;
    this.#acceptErrorWarned = true;
    process.emitWarning(`sockserve: accept failed on ${this.#config.describe}: ${error.message}`, {
      code: 'SOCKSERVE_ACCEPT_ERROR',
    });
  }
}
