/**
 * The one read a {@link StreamReader} may have waiting, and its deadlines: the base class of
 * the reader (the fields live in the reader itself, no extra object per connection). A read
 * that must wait for the stream gets a promise, settled when the stream's next event lets it
 * complete, when its `timeout` passes (`ReadTimeoutError`, Python's `settimeout`), or — with
 * nothing buffered — when the client idles past `idleTimeout` / `firstByteTimeout`: from then
 * on the reader drains and reads end as at end of stream. Not exported from the package.
 */
import type { Readable } from 'node:stream';
import { channels } from '@sockserve/core';
import { ReadTimeoutError } from './errors.js';
import { ReadBuffer } from './read-buffer.js';

/** Why a reader ended a connection for idling (the `reason` on `sockserve:connection.idle`). */
export type IdleReason = 'first-byte-timeout' | 'idle-timeout';

/** What the one waiting read (if any) waits for. */
export const Waiting = {
  Nothing: 0,
  /** A `readline()`: resolve with the line. */
  Line: 1,
  /** Line iteration: resolve with an iterator result. */
  LineResult: 2,
  /** `read()`, `read1()`: resolve on the stream's next event, then look again. */
  Event: 3,
} as const;
/** One of {@link Waiting}'s values. */
export type Waiting = (typeof Waiting)[keyof typeof Waiting];

/** Line iteration's result: a line, or done at end of stream. */
export function lineResult(line: Buffer): IteratorResult<Buffer> {
  return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
}

/** The waiting read and its timers; see the module comment. */
export abstract class ReadWaiter extends ReadBuffer {
  /** Per-read timeout in ms, or `null`. */
  timeout: number | null = null;
  /** A read waiting with nothing buffered ends as at end of stream after this long (ms); `null`: never. */
  idleTimeout: number | null = null;
  /** As `idleTimeout`, before the client's first byte; `null`: `idleTimeout` applies. */
  firstByteTimeout: number | null = null;
  /** Set once the reader ended the connection for idling: which deadline passed. */
  idleEnded: IdleReason | undefined;
  /** @internal A byte has come from the stream (the first-byte deadline no longer applies). */
  protected received = false;
  /** @internal Reads that would have to wait end as at end of stream (closing server, or idled out). */
  protected draining = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #waiting: Waiting = Waiting.Nothing;
  /** The waiting readline's limit. */
  #waitLimit = 0;
  /**
   * The waiting read's `resolve`; it fails by resolving with a rejected promise, so a waiting
   * read (an idle connection) holds one resolving function, not two.
   */
  #resolve: ((value: unknown) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

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
    return new Promise<T>((resolve) => {
      this.#waiting = kind;
      this.#waitLimit = limit;
      this.#resolve = resolve as (value: unknown) => void;
      const timeout = this.timeout;
      if (timeout !== null) {
        this.#timer = setTimeout(ReadWaiter.#timedOut, timeout, this, timeout);
      }
      // Nothing buffered: the client owes the next request (or its first byte), so it idles.
      if (this.buffered === 0) {
        const first = !this.received && this.firstByteTimeout !== null;
        const idle = first ? this.firstByteTimeout : this.idleTimeout;
        if (idle !== null) {
          const reason: IdleReason = first ? 'first-byte-timeout' : 'idle-timeout';
          this.#idleTimer = setTimeout(ReadWaiter.#idledOut, idle, this, reason, idle);
        }
      }
    });
  }

  /** @internal Completes the waiting read if it can complete now (a line, the end, an error, an event). */
  protected serveWaiter(): void {
    const kind = this.#waiting;
    if (kind === Waiting.Nothing) return;
    if (kind === Waiting.Event) {
      this.#settle()(undefined);
      return;
    }
    let line: Buffer | undefined;
    try {
      line = this.lineNow(this.#waitLimit);
    } catch (error) {
      this.#settle()(Promise.reject(error));
      return;
    }
    if (line === undefined) {
      // Part of a request came: the client is no longer idle; only `timeout` bounds the rest.
      if (this.buffered > 0 && this.#idleTimer !== undefined) {
        clearTimeout(this.#idleTimer);
        this.#idleTimer = undefined;
      }
      return;
    }
    this.#settle()(kind === Waiting.LineResult ? lineResult(line) : line);
  }

  /** Ends the wait (timer included); returns its `resolve`. */
  #settle(): (value: unknown) => void {
    const resolve = this.#resolve as (value: unknown) => void;
    clearTimeout(this.#timer);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#waiting = Waiting.Nothing;
    this.#resolve = undefined;
    this.#timer = undefined;
    return resolve;
  }

  /**
   * The client sent nothing for `idleTimeout` (or `firstByteTimeout`) while a read waited with
   * nothing buffered: from now on a read that would have to wait ends as at end of stream
   * (as when the server drains), so the handler finishes as if the client had closed. Published on
   * `sockserve:connection.idle`.
   */
  static #idledOut(this: void, reader: ReadWaiter, reason: IdleReason, timeout: number): void {
    reader.#idleTimer = undefined;
    reader.idleEnded = reason;
    reader.draining = true;
    if (channels.idle.hasSubscribers) {
      channels.idle.publish({ request: reader.idleSubject, reason, timeout });
    }
    reader.serveWaiter();
  }

  /** The waiting read's timeout passed (a `setTimeout` callback: no closure per read). */
  static #timedOut(this: void, reader: ReadWaiter, timeout: number): void {
    reader.#timer = undefined;
    reader.#settle()(Promise.reject(new ReadTimeoutError(timeout)));
  }
}
