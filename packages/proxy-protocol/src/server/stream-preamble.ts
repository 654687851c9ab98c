/**
 * The PROXY header on a stream connection (TCP, Unix stream), as a connection preamble of
 * `@sockserve/core` (see `ConnectionPreamble`): it runs per connection before the request
 * queue. A peer not in `trusted` is refused at once, before a byte is read; a trusted one
 * must send a whole header within `headerTimeout` ms (a deadline on the server's one shared
 * timer, cancelled the moment the header is complete — go-proxyproto's pitfall was a deadline
 * left on the connection; see header-deadlines.ts). What
 * follows the header is handed back, unread by anyone, for the handler.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SocketAddress } from '@sockserve/core';
import type { ConnectionPreamble, PreambleOutcome, PreambleSettle } from '@sockserve/core/kit';
import { ProxyProtocolError } from '../errors.js';
import type { ProxyHeader } from '../header.js';
import { ProxyHeaderParser } from '../parser.js';
import { DeadlineEntry, HeaderDeadlines } from './header-deadlines.js';
import type { ResolvedProxyProtocol } from './options.js';
import { type Hooked, hookable, SOCKET } from './socket-hooks.js';
import { trustTest } from './trust.js';

/**
 * The client address a header stands for: its source; the connection's own peer for LOCAL
 * (a health check) and for a header without addresses (v1 `UNKNOWN`, AF_UNSPEC), as the
 * spec says. The source is already a frozen address of core's shape: used as it is.
 */
export function headerClient(header: ProxyHeader, peer: SocketAddress): SocketAddress {
  if (header.command === 'LOCAL' || header.source === null) return peer;
  return header.source;
}

/** Spare header reads kept per server: a connection takes one and gives it back once its header is read. */
const SPARE_READS = 64;

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
      (shared.spare.pop() ?? new HeaderRead(shared)).start(socket, peer, settle);
      return;
    }
    // A peer reset before it was accepted has no address left (a checker that connects
    // and resets at once: HAProxy's checks do): a health check, not an untrusted peer.
    const gone = peer.family !== 'unix' && socket.remoteAddress === undefined;
    settle(socket, gone ? GONE : UNTRUSTED, peer);
  };
  return {
    name: 'proxy',
    start,
    // Every read in progress has a deadline: the list of deadlines is the list of reads.
    *running() {
      for (const entry of shared.deadlines.entries()) {
        const reading = (entry as HeaderRead).reading();
        if (reading !== undefined) yield reading;
      }
    },
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

/** What the header reads of one server share: its deadline timer and its spare reads. */
interface HeaderReads {
  readonly deadlines: HeaderDeadlines;
  readonly versions: ResolvedProxyProtocol['versions'];
  readonly spare: HeaderRead[];
}

/**
 * One connection's header read: the socket's first chunks until the header is whole. The
 * common case (the whole header in the first chunk, as HAProxy, nginx and every load
 * balancer send it) costs one `push` of the socket's read callback (see below), one parse in place (no copy), and a slot in the
 * shared deadline list; the outcome goes straight to the listener's `settle` (no promise).
 * A read is reused: once its connection settles it goes back to the server's spares with its
 * parser and its listeners (bound once, when the read is made), so a warm server allocates
 * none of them per connection (issue 14: they were ~550 B of a proxied connection's garbage).
 *
 * On a `net.Socket` on a libuv handle (every accepted connection) the read adds no listener
 * (issue 14: `Readable.on` and `removeListener` of 'data' and 'close' were ~2,300 instructions
 * of a proxied connection, mostly megamorphic lookups in the socket's `_events`). It puts two
 * own properties on the socket instead and starts its handle reading, as the socket's own
 * `_read` would: `push`, which the handle's read callback calls with each chunk (the read
 * takes it; the stream never holds it) and with `null` at the client's FIN (passed on, the
 * socket not half-open meanwhile: it closes, as below); and `_destroy`,
 * which `destroy()` calls when the client resets, a read fails or the server closes (the
 * socket's own `_destroy` runs first, then the read settles, where it settled on `'close'`
 * before: a moment earlier, the same outcome). Both stay, set back to the socket's class's own functions (a delete would turn the socket's
 * properties into a dictionary), before the outcome is settled. The stream's state is not touched:
 * it stays paused, as accepted, and reads on once the header is read, as before.
 *
 * Any other socket (bytes already buffered in it, a `push` of its own) is read through
 * `'data'` and `'close'` listeners, not `'end'` (a listener added and removed per connection
 * fewer, and `'end'` is the dear one: the socket has its own, so ours made and unmade an
 * array): while the header is read the socket is not half-open, so a client's FIN ends our
 * side too and the socket closes — `'close'` sees it. The peer then gets our FIN where it got
 * a reset before (it had closed its side already); the outcome (a health check before any
 * byte, `truncated` after some) is the same. Once the header is read the socket is half-open
 * again, before its FIN (a later read) can be seen.
 * Any other stream (a relay in a runner) keeps its half-open setting and an `'end'` listener.
 */
class HeaderRead extends DeadlineEntry {
  readonly #parser: ProxyHeaderParser;
  readonly #shared: HeaderReads;
  /** The connection being read, its peer and where its outcome goes; cleared when it settles. */
  #socket: Socket | undefined;
  #peer: SocketAddress | undefined;
  #settle: PreambleSettle | undefined;
  /**
   * The socket's `allowHalfOpen` before the read (a hooked one: before its FIN); undefined
   * for a stream read through 'end'.
   */
  #halfOpen: boolean | undefined;
  /** Read through the socket's own `push` and `_destroy` (see the class comment). */
  #hooked = false;

  constructor(shared: HeaderReads) {
    super();
    this.#parser = new ProxyHeaderParser({ versions: shared.versions });
    this.#shared = shared;
  }

  start(socket: Socket, peer: SocketAddress, settle: PreambleSettle): void {
    this.#socket = socket;
    this.#peer = peer;
    this.#settle = settle;
    this.#shared.deadlines.add(this);
    const handle = hookable(socket);
    if (handle !== undefined) {
      // See the class comment: the socket's own push and _destroy, no listener.
      const hooked = socket as unknown as Hooked;
      hooked.push = this.#push;
      hooked._destroy = this.#destroy;
      this.#hooked = true;
      if (handle.reading !== true) {
        // What the socket's own _read does (net's tryReadStart), without a read() call.
        handle.reading = true;
        const error = handle.readStart();
        if (error !== 0) socket.destroy(new Error(`readStart failed (${error})`));
      }
      return;
    }
    socket.on('data', this.#onData);
    // See the class comment: a net.Socket's FIN reaches 'close' while it is not half-open.
    if (socket instanceof Socket) {
      this.#halfOpen = socket.allowHalfOpen;
      socket.allowHalfOpen = false;
    } else {
      // A relay in a runner, typed as a socket (runPreambleHere).
      (socket as Duplex).on('end', this.#onEnd);
    }
    socket.on('close', this.#onEnd);
    // Flowing, and reading from the kernel now: resume() would start both a tick later.
    // A chunk then reaches #onData straight from the socket's read callback.
    (socket as { readableFlowing: boolean | null }).readableFlowing = true;
    socket.read(0);
  }

  /** The connection being read and its peer, or undefined between connections. */
  reading(): readonly [Socket, SocketAddress] | undefined {
    const socket = this.#socket;
    const peer = this.#peer;
    return socket === undefined || peer === undefined ? undefined : [socket, peer];
  }

  override expireDeadline(): void {
    this.#finish(TIMEOUT);
  }

  #finish(outcome: PreambleOutcome): void {
    const socket = this.#socket;
    const settle = this.#settle;
    const peer = this.#peer;
    if (socket === undefined || settle === undefined) return;
    this.#socket = undefined;
    this.#peer = undefined;
    this.#settle = undefined;
    const shared = this.#shared;
    shared.deadlines.cancel(this);
    if (this.#hooked) {
      this.#hooked = false;
      // Put back, not deleted: a delete would turn the socket into a dictionary (V8).
      const hooked = socket as unknown as Hooked;
      hooked.push = SOCKET.push;
      hooked._destroy = SOCKET._destroy;
      if (this.#halfOpen !== undefined) {
        socket.allowHalfOpen = this.#halfOpen;
        this.#halfOpen = undefined;
      }
    } else this.#unlisten(socket);
    this.#parser.reset();
    if (shared.spare.length < SPARE_READS) shared.spare.push(this);
    settle(socket, outcome, peer);
  }

  #unlisten(socket: Socket): void {
    socket.removeListener('data', this.#onData);
    const halfOpen = this.#halfOpen;
    if (halfOpen === undefined) (socket as Duplex).removeListener('end', this.#onEnd);
    else {
      socket.allowHalfOpen = halfOpen;
      this.#halfOpen = undefined;
    }
    socket.removeListener('close', this.#onEnd);
    // Not flowing: what pause() does, without its 'pause' event (a megamorphic listener
    // lookup for an event nobody listens to before the connection is admitted).
    (socket as { readableFlowing: boolean | null }).readableFlowing = false;
  }

  /** The socket's `push` while hooked: its read callback's chunks, and `null` at its FIN. */
  readonly #push = (chunk: Buffer | null): boolean => {
    if (chunk === null) {
      // The client's FIN: not half-open, our side ends too and the socket closes; _destroy
      // then settles (a FIN back, not a reset, as the listening read's 'close').
      const socket = this.#socket as Socket;
      this.#halfOpen = socket.allowHalfOpen;
      socket.allowHalfOpen = false;
      return SOCKET.push.call(socket, null);
    }
    this.#onData(chunk);
    return true;
  };

  /** The socket's `_destroy` while hooked: a reset, a read error, the server closing. */
  readonly #destroy = (error: Error | null, callback: (error?: Error | null) => void): void => {
    // What destroy() would have called unhooked.
    SOCKET._destroy.call(this.#socket as Socket, error, callback);
    this.#onEnd();
  };

  readonly #onData = (chunk: Buffer): void => {
    let header: ProxyHeader | undefined;
    const parser = this.#parser;
    try {
      header = parser.feed(chunk);
    } catch (error) {
      this.#finish(refusal(error));
      return;
    }
    if (header === undefined) return;
    // Read before #finish resets the parser; outside the try: once settled this read may
    // already serve another connection.
    const rest = parser.rest as Buffer;
    this.#finish({
      accept: true,
      clientAddress: headerClient(header, this.#peer as SocketAddress),
      info: { proxy: header },
      rest,
      healthCheck: header.command === 'LOCAL',
    });
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
}

const TIMEOUT: PreambleOutcome = Object.freeze({ accept: false, reason: 'timeout' });

function refusal(error: unknown): PreambleOutcome {
  if (error instanceof ProxyProtocolError) return { accept: false, reason: error.reason, error };
  return { accept: false, reason: 'error', error: error as Error };
}
