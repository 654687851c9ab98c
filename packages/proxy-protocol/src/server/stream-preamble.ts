/**
 * The PROXY header on a stream connection (TCP, Unix stream), as a connection preamble of
 * `@sockserve/core` (see `ConnectionPreamble`): it runs per connection before the request
 * queue. A peer not in `trusted` is refused at once, before a byte is read; a trusted one
 * must send a whole header within `headerTimeout` ms (a deadline on the server's one shared
 * timer, cancelled the moment the header is complete — go-proxyproto's pitfall was a deadline
 * left on the connection; see header-deadlines.ts). What
 * follows the header is handed back, unread by anyone, for the handler.
 */
import type { Socket } from 'node:net';
import type { SocketAddress } from '@sockserve/core';
import type { ConnectionPreamble, PreambleOutcome, PreambleSettle } from '@sockserve/core/kit';
import { ProxyProtocolError } from '../errors.js';
import type { ProxyHeader } from '../header.js';
import { ProxyHeaderParser } from '../parser.js';
import { type HeaderDeadline, HeaderDeadlines } from './header-deadlines.js';
import type { ResolvedProxyProtocol } from './options.js';
import { trustTest } from './trust.js';

/**
 * The client address a header stands for: its source; the connection's own peer for LOCAL
 * (a health check) and for a header without addresses (v1 `UNKNOWN`, AF_UNSPEC), as the
 * spec says.
 */
export function headerClient(header: ProxyHeader, peer: SocketAddress): SocketAddress {
  if (header.command === 'LOCAL' || header.source === null) return peer;
  return Object.freeze({ ...header.source });
}

/** Spare parsers kept per server: a connection takes one and gives it back once its header is read. */
const SPARE_PARSERS = 64;

/** The preamble that reads a PROXY header; `name` `proxy` (`stats.proxyRejected`, `sockserve:proxy.rejected`). */
export function proxyHeaderPreamble(config: ResolvedProxyProtocol): ConnectionPreamble {
  const trusted = trustTest(config);
  const shared: HeaderReads = {
    deadlines: new HeaderDeadlines(config.headerTimeout),
    versions: config.versions,
    spare: [],
  };
  // No abort listener: when the server stops accepting, the transport destroys the socket
  // and 'close' settles the read (see ConnectionPreamble.run).
  const start = (socket: Socket, peer: SocketAddress, settle: PreambleSettle): void => {
    if (trusted(peer)) {
      new HeaderRead(socket, peer, shared, settle).start();
      return;
    }
    // A peer reset before it was accepted has no address left (a checker that connects
    // and resets at once: HAProxy's checks do): a health check, not an untrusted peer.
    const gone = peer.family !== 'unix' && socket.remoteAddress === undefined;
    settle(socket, gone ? GONE : UNTRUSTED);
  };
  return {
    name: 'proxy',
    start,
    run: (socket, peer) =>
      new Promise((resolve) => start(socket, peer, (_socket, outcome) => resolve(outcome))),
  };
}

const GONE: PreambleOutcome = Object.freeze({
  accept: false,
  reason: 'no-header',
  healthCheck: true,
});
const UNTRUSTED: PreambleOutcome = Object.freeze({ accept: false, reason: 'untrusted' });

/** What the header reads of one server share: its deadline timer and its spare parsers. */
interface HeaderReads {
  readonly deadlines: HeaderDeadlines;
  readonly versions: ResolvedProxyProtocol['versions'];
  readonly spare: ProxyHeaderParser[];
}

/**
 * One connection's header read: the socket's first chunks until the header is whole. The
 * common case (the whole header in the first chunk, as HAProxy, nginx and every load
 * balancer send it) costs one 'data' event, one parse in place (no copy), and a deadline
 * entry; the outcome goes straight to the listener's `settle` (no promise). Listeners are
 * methods bound once, not `once()` wrappers.
 */
class HeaderRead {
  readonly #socket: Socket;
  readonly #peer: SocketAddress;
  readonly #parser: ProxyHeaderParser;
  readonly #shared: HeaderReads;
  readonly #deadline: HeaderDeadline;
  readonly #settle: PreambleSettle;
  #settled = false;

  constructor(socket: Socket, peer: SocketAddress, shared: HeaderReads, settle: PreambleSettle) {
    this.#socket = socket;
    this.#peer = peer;
    this.#parser = shared.spare.pop() ?? new ProxyHeaderParser({ versions: shared.versions });
    this.#shared = shared;
    this.#settle = settle;
    this.#deadline = shared.deadlines.add(this.#onTimeout);
  }

  start(): void {
    const socket = this.#socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.resume();
  }

  #finish(outcome: PreambleOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    const shared = this.#shared;
    shared.deadlines.cancel(this.#deadline);
    const socket = this.#socket;
    socket.removeListener('data', this.#onData);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('close', this.#onEnd);
    socket.pause();
    if (shared.spare.length < SPARE_PARSERS) {
      this.#parser.reset();
      shared.spare.push(this.#parser);
    }
    this.#settle(socket, outcome);
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      const result = this.#parser.push(chunk);
      if (!result.done) return;
      const { header, rest } = result;
      this.#finish({
        accept: true,
        clientAddress: headerClient(header, this.#peer),
        info: { proxy: header },
        rest,
        healthCheck: header.command === 'LOCAL',
      });
    } catch (error) {
      this.#finish(refusal(error));
    }
  };

  // The peer ended or reset: before any byte it is a health checker's connect-and-close.
  readonly #onEnd = (): void => {
    if (this.#parser.bytesReceived === 0) {
      this.#finish(GONE);
      return;
    }
    try {
      this.#parser.end();
    } catch (error) {
      this.#finish(refusal(error));
    }
  };

  readonly #onTimeout = (): void => this.#finish(TIMEOUT);
}

const TIMEOUT: PreambleOutcome = Object.freeze({ accept: false, reason: 'timeout' });

function refusal(error: unknown): PreambleOutcome {
  if (error instanceof ProxyProtocolError) return { accept: false, reason: error.reason, error };
  return { accept: false, reason: 'error', error: error as Error };
}
