/**
 * `LineRequestHandler`: a `StreamRequestHandler` for line protocols, written as one method a
 * line (`handleLine(line)`) instead of a `handle()` that loops — Node's readline `'line'`
 * event in handler form. It runs `rfile.forEachLine()` (line-loop.ts): no promise a line while
 * `handleLine` answers synchronously and the client takes the answers.
 */
import type { Buffer } from 'node:buffer';
import { brand } from '@sockserve/core/handler';
import { StreamRequestHandler } from './stream-request-handler.js';
import { writeOrWait } from './stream-writer.js';

/** What `handleLine()` may answer: bytes or text to write to the client, or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: a `handleLine` that returns nothing is typed `void`.
export type LineReply = string | Uint8Array | undefined | null | void;

/**
 * A stream handler that gets the client's lines one by one: override `handleLine(line)`; what
 * it returns (a string or bytes, or a promise of one) is written to the client, nothing is
 * written for `undefined`. `handle()` runs until the client's end of stream (or the reader
 * drains or idles out, as `for await (const line of this.rfile)` ends), then the handler
 * finishes as any `StreamRequestHandler`. Backpressure: while a reply waits for the client to
 * take it, no line is handed over (the socket pauses once `rfile` holds its high-water mark).
 * A line may also return a promise that writes itself (`return this.wfile.write(...)`).
 * Errors (thrown by `handleLine`, its promise's rejection, `LineTooLongError`,
 * `ReadTimeoutError`, a failed write) end `handle()` and reach `handleError()` as from
 * `handle()`. Lines are `Buffer`s through `\n` (the last one may lack it); `maxLineLength`,
 * `timeout`, `idleTimeout`, `firstByteTimeout` and `minReadRate` apply as to `rfile`'s
 * iteration. A replaced `wfile` (any object with `write(data)`, a `StreamWriter` subclass)
 * gets the replies through its own `write()`; a promise it returns holds the next line. No
 * Python counterpart: Python's handler loops `for line in self.rfile`.
 */
export class LineRequestHandler<TServer = unknown> extends StreamRequestHandler<TServer> {
  static {
    brand(LineRequestHandler, 'sockserve.LineRequestHandler');
  }

  /**
   * One line from the client (through `\n`; at end of stream the rest, if any, without it).
   * Returns what to write back — a string (UTF-8), bytes, `undefined` for nothing, or a
   * promise of one (the next line waits for it). Override it; the default answers nothing.
   */
  handleLine(_line: Buffer): LineReply | Promise<LineReply> {
    return undefined;
  }

  /** Hands every line to `handleLine()` until the end of stream; see the class comment. */
  override handle(): Promise<void> {
    return this.rfile.forEachLine(onLine, this);
  }
}

/** The loop's callback: one line answered; a promise only when something must be waited for. */
function onLine(this: LineRequestHandler, line: Buffer): PromiseLike<unknown> | undefined {
  const reply = this.handleLine(line);
  if (reply === undefined || reply === null) return undefined;
  if (typeof reply === 'string' || reply instanceof Uint8Array) {
    return writeOrWait(this.wfile, reply);
  }
  return Promise.resolve(reply).then((value) => writeReply(this, value));
}

/** Writes an `async handleLine()`'s answer. */
function writeReply(
  handler: LineRequestHandler,
  reply: LineReply,
): PromiseLike<unknown> | undefined {
  if (reply === undefined || reply === null) return undefined;
  return writeOrWait(handler.wfile, reply as string | Uint8Array);
}
