/**
 * The stream side of a `StreamReader`, its base class (the fields live in the reader
 * itself, no extra object per connection): nothing is read before the first read; from then on
 * the chunks come as 'data' events (flowing mode: a chunk reaches a waiting read in the callback
 * that received it), the stream pauses once the reader holds its high-water mark with no read
 * waiting (backpressure), its error is kept for the next read, and a closing reader hands its
 * unread bytes back (see stream-control.ts). The public reads are in stream-reader.ts. Not
 * exported from the package.
 */
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import { ignoreConnectionError, takeConnectionHead } from '@sockserve/core/handler';
import { LineTooLongError } from './errors.js';
import { ReadWaiter, Waiting } from './read-waiter.js';
import { ended, flow, handBack, takeLeftovers } from './stream-control.js';

/** The stream events a reader listens to, all with one listener. */
const EVENTS = ['data', 'end', 'close', 'error'] as const;
/** A read was asked for while another one waits. */
export const OVERLAP = 'StreamReader: another read is still waiting; reads must not overlap';

/**
 * Where a reader is with its stream. `Guarding`: attached, and its listener took the place of
 * the transport's `'error'` guard (core's `ignoreConnectionError`), put back when the reader
 * lets the stream go — one 'error' listener instead of a listener array per connection.
 */
const ReaderState = { Fresh: 0, Attached: 1, Closed: 2, Guarding: 3 } as const;
type ReaderState = (typeof ReaderState)[keyof typeof ReaderState];

/**
 * The reader calling `stream.read()` itself (set only during that call): the 'data' the call
 * emits is only buffered. A module variable, so a reader carries no field for it.
 */
let pullingReader: StreamFeed | undefined;

/** A reader's stream: attached on the first read, its chunks buffered; see the module comment. */
export abstract class StreamFeed extends ReadWaiter {
  #stream: Readable | undefined;
  #error: Error | undefined;
  /** Not yet reading the stream, reading it (its listeners attached), or closed. */
  #state: ReaderState = ReaderState.Fresh;
  /** The one listener of every stream event: `#onStreamEvent` bound to this reader, made on attach. */
  #listener: ((arg?: unknown) => void) | undefined;

  /**
   * @internal Sets the stream (once, from the reader's constructor, after its options are
   * checked); bytes a closed reader of it could not push back are buffered first.
   */
  protected feedFrom(stream: Readable | undefined): void {
    this.#stream = stream;
    if (stream !== undefined) {
      const rest = takeLeftovers(stream);
      if (rest !== undefined) {
        this.appendChunk(rest);
        this.received = true;
      }
    }
  }

  /** @internal True when the reader reads a stream (not bytes already in memory). */
  protected get hasStream(): boolean {
    return this.#stream !== undefined;
  }

  /**
   * @internal `close()`: listeners are removed, the stream is paused and unread buffered bytes
   * are pushed back into it (`unshift`). On a stream that has ended with nothing buffered the
   * listeners stay (a closed reader ignores its events, and nothing more can be read).
   */
  protected detach(): void {
    const stream = this.#stream;
    const state = this.#state;
    this.#state = ReaderState.Closed;
    if (stream === undefined || (state !== ReaderState.Attached && state !== ReaderState.Guarding))
      return;
    // A read still waiting ends as at end of stream.
    this.serveWaiter();
    this.disposeTimers();
    // The usual end of a connection: the stream ended and nothing is left to hand back. The
    // listeners stay (a closed reader ignores its events): no other reader can get more
    // bytes from it anyway.
    if (this.buffered === 0 && ended(stream)) return;
    const listener = this.#listener as () => void;
    for (const event of EVENTS) stream.off(event, listener);
    if (state === ReaderState.Guarding) stream.on('error', ignoreConnectionError);
    // Flowing with no 'data' listener would drop chunks: the stream waits, paused, for its
    // next reader (as a stream nobody reads from does).
    stream.pause();
    if (this.buffered === 0) return;
    handBack(stream, this.takeAll());
  }

  /**
   * @internal
   * A line from what is buffered or readable right now: the line, the rest at end of stream
   * ('' meaning EOF), or `undefined` when more bytes are needed. Throws LineTooLongError
   * before buffering more than `limit` bytes of one line, or the stream's error.
   */
  protected lineNow(limit: number): Buffer | undefined {
    const stream = this.#stream;
    if (stream !== undefined && this.#state === ReaderState.Fresh) StreamFeed.#attach(this, stream);
    for (;;) {
      const nl = this.newlineOffset();
      if (nl >= 0) {
        if (nl + 1 > limit) throw new LineTooLongError(limit);
        return this.takeBytes(nl + 1);
      }
      if (this.buffered > limit) throw new LineTooLongError(limit);
      if (this.#error !== undefined) throw this.#error;
      if (stream === undefined || this.#state === ReaderState.Closed) return this.takeAll();
      if (StreamFeed.#pull(this, stream)) continue;
      if (this.draining || ended(stream)) {
        if (stream.errored) throw stream.errored;
        return this.takeAll();
      }
      flow(stream);
      return undefined;
    }
  }

  /** @internal The stream, for `sockserve:connection.idle`. */
  protected get idleSubject(): Readable | undefined {
    return this.#stream;
  }

  /**
   * @internal `read()` and `read1()`: buffers more bytes, waiting for them if need be; false
   * at end of stream (or once the reader is closed or draining, with nothing more here).
   */
  protected async more(): Promise<boolean> {
    const stream = this.#stream;
    for (;;) {
      if (stream === undefined || this.#state === ReaderState.Closed) return false;
      // A first read may start with bytes held for it (a PROXY header's rest).
      if (this.#state === ReaderState.Fresh && StreamFeed.#attach(this, stream)) return true;
      if (this.#error !== undefined) throw this.#error;
      if (StreamFeed.#pull(this, stream)) return true;
      if (this.draining || ended(stream)) {
        if (stream.errored) throw stream.errored;
        return false;
      }
      if (this.isWaiting) throw new Error(OVERLAP);
      flow(stream);
      const before = this.buffered;
      await this.wait(Waiting.Event);
      if (this.buffered > before) return true;
    }
  }

  /**
   * Takes what the stream holds in its own buffer now (bytes put back by an earlier reader,
   * or read while paused): its `read()` emits them as 'data', which only appends here.
   * False when it held nothing.
   */
  static #pull(self: StreamFeed, stream: Readable): boolean {
    if (stream.readableLength === 0) return false;
    pullingReader = self;
    try {
      stream.read();
    } finally {
      pullingReader = undefined;
    }
    return true;
  }

  /** Starts reading `stream`; true when that brought bytes held for this reader. */
  static #attach(self: StreamFeed, stream: Readable): boolean {
    self.#state = ReaderState.Attached;
    // Bytes a PROXY header came with, held beside the socket (core's connection-preamble-head):
    // this reader's first bytes, taken before it listens. Closing, it hands back what it left.
    const head = takeConnectionHead(stream);
    if (head !== undefined) {
      self.appendChunk(head);
      self.received = true;
    }
    self.#listener ??= StreamFeed.#onStreamEvent.bind(self);
    const listener = self.#listener;
    // The transport's guard alone listens to 'error': this listener takes its place.
    if (
      stream.listenerCount('error') === 1 &&
      stream.listenerCount('error', ignoreConnectionError) === 1
    ) {
      stream.off('error', ignoreConnectionError);
      self.#state = ReaderState.Guarding;
    }
    for (const event of EVENTS) stream.on(event, listener);
    return head !== undefined;
  }

  /**
   * Every stream event. A chunk ('data') is buffered and handed to the waiting read; with no
   * read waiting the reader keeps it, up to the stream's high-water mark, then pauses the
   * stream (backpressure: the kernel's buffers fill and the client waits). An error is kept
   * for the next read. Then the waiting read looks again.
   */
  static readonly #onStreamEvent = function onStreamEvent(this: StreamFeed, arg?: unknown): void {
    if (typeof arg === 'object' && arg !== null) {
      if (arg instanceof Uint8Array) {
        StreamFeed.#onChunk(this, arg as Buffer);
        return;
      }
      if (arg instanceof Error) this.#error ??= arg;
    } else if (typeof arg === 'string') {
      StreamFeed.#onChunk(this, Buffer.from(arg));
      return;
    }
    this.serveWaiter();
  };

  static #onChunk(self: StreamFeed, chunk: Buffer): void {
    self.received = true;
    if (pullingReader === self) {
      self.appendChunk(chunk);
      return;
    }
    // One line in one chunk, for a line read waiting with nothing buffered: taken whole.
    if (self.buffered !== 0 || !self.takeWholeLine(chunk)) {
      self.appendChunk(chunk);
      if (self.isWaiting) self.serveWaiter();
    }
    // Checked after the read had its chance: a read that completed or failed (a line too
    // long) leaves what it did not take, and the stream stops here if that is a full buffer.
    if (!self.isWaiting && self.buffered >= (self.#stream as Readable).readableHighWaterMark) {
      (self.#stream as Readable).pause();
    }
  }
}
