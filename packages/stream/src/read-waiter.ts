/**
 * The one read a {@link StreamReader} may have waiting, and its deadlines: the base class of
 * the reader (the fields live in the reader itself, no extra object per connection). A read
 * that must wait for the stream gets a promise, settled when the stream's next event lets it
 * complete, when its `timeout` passes (`ReadTimeoutError`, Python's `settimeout`), or — with
 * nothing buffered — when the client idles past `idleTimeout` / `firstByteTimeout`: from then
 * on the reader drains and reads end as at end of stream. A read waiting for the rest of a
 * request can also be held to a minimum data rate (`minReadRate`, see min-read-rate.ts): below
 * it, the partial request is dropped and reads end as at end of stream. Not exported from the
 * package.
 */
import type { Readable } from 'node:stream';
import { channels } from '@sockserve/core/handler';
import { ReadTimeoutError } from './errors.js';
import {
  belowMinReadRate,
  countEndedForRate,
  type MinReadRate,
  unwatchReadRate,
  watchReadRate,
} from './min-read-rate.js';
import { ReadBuffer } from './read-buffer.js';
import { ReusableDeadline } from './reusable-deadline.js';
import { type IdleReason, lineResult, Waiting } from './waiting.js';

export { type IdleReason, lineResult, Waiting } from './waiting.js';

const NEWLINE = 0x0a;

/** The reader whose `wait()` is constructing its promise (set only during that call). */
let waitingReader: ReadWaiter | undefined;

/** The waiting read and its timers; see the module comment. */
export abstract class ReadWaiter extends ReadBuffer {
  // The settings and `idleEnded` default on the prototype (set below the class): a reader
  // stores only what differs, so an idle connection with the defaults carries no slot for them.
  /** Per-read timeout in ms, or `null`. */
  declare timeout: number | null;
  /** A read waiting with nothing buffered ends as at end of stream after this long (ms); `null`: never. */
  declare idleTimeout: number | null;
  /** As `idleTimeout`, before the client's first byte; `null`: `idleTimeout` applies. */
  declare firstByteTimeout: number | null;
  /** A read waiting for the rest of a request must get it at this rate (see min-read-rate.ts); `null`: none. */
  declare minReadRate: MinReadRate | null;
  /** Set once the reader ended the connection for idling (or a rate below `minReadRate`): why. */
  declare idleEnded: IdleReason | undefined;
  /** @internal A byte has come from the stream (the first-byte deadline no longer applies). */
  protected received = false;
  /** @internal Reads that would have to wait end as at end of stream (closing server, or idled out). */
  protected draining = false;
  /** The idle / first-byte deadline, kept between reads (made on first use). */
  #idleDeadline: ReusableDeadline<ReadWaiter, IdleReason> | undefined;
  #waiting: Waiting = Waiting.Nothing;
  /** The waiting readline's limit. */
  #waitLimit = 0;
  /**
   * The waiting read's `resolve`; it fails by resolving with a rejected promise, so a waiting
   * read (an idle connection) holds one resolving function, not two.
   */
  #resolve: ((value: unknown) => void) | undefined;
  /** The per-read `timeout`, kept between reads (made on first use). */
  #readDeadline: ReusableDeadline<ReadWaiter> | undefined;
  /** Epoch ms the rate window began (or, before one opened, the inherited start); 0: none. */
  #rateSince = 0;
  /** `buffered` when the rate window opened; -1: no window open. */
  #rateBase = -1;

  /** @internal The stream, as `sockserve:connection.idle` names it. */
  protected abstract get idleSubject(): Readable | undefined;

  /** @internal A line from what is here now, the rest at the end, or `undefined` to wait (throws as `readline`). */
  protected abstract lineNow(limit: number): Buffer | undefined;

  /** @internal True while a read waits (reads must not overlap). */
  protected get isWaiting(): boolean {
    return this.#waiting !== Waiting.Nothing;
  }

  /** @internal The one read may wait now: its promise, settled by `serveWaiter()` or the timeout. */
  protected wait<T>(kind: Waiting, limit = 0): Promise<T> {
    this.#waiting = kind;
    this.#waitLimit = limit;
    // The executor runs synchronously, inside this call: it finds the reader in a module
    // variable, so a wait allocates no closure.
    waitingReader = this;
    const promise = new Promise<T>(ReadWaiter.#keepResolve);
    waitingReader = undefined;
    return promise;
  }

  /**
   * @internal The line loop (`forEachLine`) waits for its next line: no promise — `sink` is
   * called with the line (`serveWaiter()`, the whole-line fast path), or with a rejected
   * promise when the read fails (a timeout, a line too long, the stream's error). The same
   * deadlines as a waiting `readline()` apply.
   */
  protected waitForLine(limit: number, sink: (value: unknown) => void): void {
    this.#waiting = Waiting.Callback;
    this.#waitLimit = limit;
    ReadWaiter.#armWait(this, sink);
  }

  /** `wait()`'s promise executor: keeps `resolve` in the waiting reader and arms its timers. */
  static #keepResolve(this: void, resolve: (value: never) => void): void {
    ReadWaiter.#armWait(waitingReader as ReadWaiter, resolve as (value: unknown) => void);
  }

  static #armWait(self: ReadWaiter, resolve: (value: unknown) => void): void {
    self.#resolve = resolve;
    const timeout = self.timeout;
    if (timeout !== null) {
      self.#readDeadline ??= new ReusableDeadline<ReadWaiter>(self, ReadWaiter.#timedOut);
      self.#readDeadline.arm(timeout, undefined);
    }
    // Nothing buffered: the client owes the next request (or its first byte), so it idles.
    if (self.buffered === 0) {
      const first = !self.received && self.firstByteTimeout !== null;
      const idle = first ? self.firstByteTimeout : self.idleTimeout;
      if (idle !== null) {
        const reason: IdleReason = first ? 'first-byte-timeout' : 'idle-timeout';
        self.#idleDeadline ??= new ReusableDeadline<ReadWaiter, IdleReason>(
          self,
          ReadWaiter.#idledOut,
        );
        self.#idleDeadline.arm(idle, reason);
      }
      // Bytes came and none is left: the request the hand-over saw start was whole, so a
      // start inherited from it is past.
      if (self.received && self.#rateBase < 0) self.#rateSince = 0;
    } else if (self.minReadRate !== null && self.#rateBase < 0) {
      ReadWaiter.#openRateWindow(self);
    }
  }

  /** @internal The reader closed: its timers are cleared for good (none is armed by then). */
  protected disposeTimers(): void {
    this.#readDeadline?.dispose();
    this.#idleDeadline?.dispose();
  }

  /**
   * @internal The client's first bytes reached the server at `since` (epoch ms) in another
   * process (the first-bytes hand-over): the first rate window counts from then.
   */
  protected inheritRateStart(since: number | undefined): void {
    if (since !== undefined && Number.isFinite(since) && since > 0) this.#rateSince = since;
  }

  /** @internal The read ended (`read()`, `read1()`): its rate window closes. */
  protected endRateWindow(): void {
    if (this.#rateBase < 0) return;
    this.#rateBase = -1;
    this.#rateSince = 0;
    unwatchReadRate(this);
  }

  /**
   * @internal The shared sweep: ends the waiting read if its client fell below `minReadRate`.
   * A window left open by a read that threw (no read waits now) is closed here.
   */
  checkRate(now: number): void {
    const rate = this.minReadRate;
    if (rate === null || this.#rateBase < 0 || this.#waiting === Waiting.Nothing) {
      this.#rateBase = -1;
      this.#rateSince = 0;
      unwatchReadRate(this);
      return;
    }
    if (belowMinReadRate(rate, this.#rateSince, this.buffered - this.#rateBase, now)) {
      ReadWaiter.#belowRate(this, rate, now);
    }
  }

  /** A read waits for the rest of a request: count its bytes from now (or the inherited start). */
  static #openRateWindow(self: ReadWaiter): void {
    const rate = self.minReadRate as MinReadRate;
    const now = Date.now();
    const inherited = self.#rateSince;
    self.#rateSince = inherited > 0 ? inherited : now;
    // Inherited: the bytes buffered now came since the client's first bytes.
    self.#rateBase = inherited > 0 ? 0 : self.buffered;
    watchReadRate(self);
    if (inherited > 0 && belowMinReadRate(rate, inherited, self.buffered, now)) {
      // It waited for a runner longer than its rate allows: end it now, not at the next sweep.
      ReadWaiter.#belowRate(self, rate, now);
    }
  }

  /**
   * The client sent the rest of its request too slowly: the partial request is dropped and
   * from now on reads end as at end of stream (as `#idledOut`), so the handler finishes and
   * the connection closes. Published on `sockserve:connection.idle`, reason `'min-rate'`.
   */
  static #belowRate(self: ReadWaiter, rate: MinReadRate, now: number): void {
    const waited = now - self.#rateSince;
    const received = self.buffered - self.#rateBase;
    self.endRateWindow();
    countEndedForRate();
    self.idleEnded = 'min-rate';
    self.draining = true;
    if (self.buffered > 0) self.takeAll();
    if (channels.idle.hasSubscribers) {
      channels.idle.publish({
        request: self.idleSubject,
        reason: 'min-rate',
        timeout: rate.graceMs,
        bytesPerSecond: rate.bytesPerSecond,
        received,
        waited,
      });
    }
    self.serveWaiter();
  }

  /** @internal Completes the waiting read if it can complete now (a line, the end, an error, an event). */
  protected serveWaiter(): void {
    const kind = this.#waiting;
    if (kind === Waiting.Nothing) return;
    if (kind === Waiting.Event) {
      ReadWaiter.#settle(this)(undefined);
      return;
    }
    let line: Buffer | undefined;
    try {
      line = this.lineNow(this.#waitLimit);
    } catch (error) {
      ReadWaiter.#settle(this)(Promise.reject(error));
      return;
    }
    if (line === undefined) {
      // Part of a request came: the client is no longer idle; `timeout` and the minimum
      // rate bound the rest.
      if (this.buffered > 0) {
        this.#idleDeadline?.disarm();
        if (this.minReadRate !== null && this.#rateBase < 0) ReadWaiter.#openRateWindow(this);
      }
      return;
    }
    ReadWaiter.#settle(this)(kind === Waiting.LineResult ? lineResult(line) : line);
  }

  /**
   * @internal A chunk came with nothing buffered and a readline or line iteration waiting: when
   * the chunk is exactly one line (its only `\n` is its last byte, within the read's limit) the
   * read takes the chunk itself, as it would after buffering it — the usual request on a
   * persistent connection, served without the buffer's bookkeeping. False: the chunk is for
   * the general path (buffer it, then `serveWaiter()`).
   */
  protected takeWholeLine(chunk: Buffer): boolean {
    const kind = this.#waiting;
    if (kind === Waiting.Nothing || kind === Waiting.Event) return false;
    const last = chunk.length - 1;
    if (last < 0 || last >= this.#waitLimit || chunk[last] !== NEWLINE) return false;
    if (chunk.indexOf(NEWLINE) !== last) return false;
    ReadWaiter.#settle(this)(kind === Waiting.LineResult ? lineResult(chunk) : chunk);
    return true;
  }

  /** Ends the wait (timer included); returns its `resolve`. */
  static #settle(self: ReadWaiter): (value: unknown) => void {
    const resolve = self.#resolve as (value: unknown) => void;
    // A readline ends here; `read()` waits on several events and ends its window itself.
    if (self.#waiting !== Waiting.Event) self.endRateWindow();
    self.#readDeadline?.disarm();
    self.#idleDeadline?.disarm();
    self.#waiting = Waiting.Nothing;
    self.#resolve = undefined;
    return resolve;
  }

  /**
   * The client sent nothing for `idleTimeout` (or `firstByteTimeout`) while a read waited with
   * nothing buffered: from now on a read that would have to wait ends as at end of stream
   * (as when the server drains), so the handler finishes as if the client had closed. Published on
   * `sockserve:connection.idle`.
   */
  static #idledOut(this: void, reader: ReadWaiter, timeout: number, reason: IdleReason): void {
    reader.idleEnded = reason;
    reader.draining = true;
    if (channels.idle.hasSubscribers) {
      channels.idle.publish({ request: reader.idleSubject, reason, timeout });
    }
    reader.serveWaiter();
  }

  /** The waiting read's timeout passed (a deadline's callback: no closure per read). */
  static #timedOut(this: void, reader: ReadWaiter, timeout: number): void {
    ReadWaiter.#settle(reader)(Promise.reject(new ReadTimeoutError(timeout)));
  }
}

ReadWaiter.prototype.timeout = null;
ReadWaiter.prototype.idleTimeout = null;
ReadWaiter.prototype.firstByteTimeout = null;
ReadWaiter.prototype.minReadRate = null;
ReadWaiter.prototype.idleEnded = undefined;
