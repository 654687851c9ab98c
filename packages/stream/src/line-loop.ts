/**
 * `rfile.forEachLine(callback)`: the callback line path (Node's readline `'line'` event,
 * Python's `for line in self.rfile` without an `await` a line). The lines already buffered are
 * handed over in one go; between lines the loop waits as a `readline()` does (its `timeout`,
 * `idleTimeout`, draining, minimum rate), but with no promise: the reader calls the loop's sink
 * when a line comes, in the 'data' callback that brought it. A callback that returns a promise
 * (a write under backpressure, an `async` callback) holds the next line until it settles.
 * One promise for the whole loop, settled at the end of stream or by the first error. Not
 * exported from the package (the method is on `StreamReader`).
 */
import type { StreamReader } from './stream-reader.js';

/** What a line callback gets: the line (through `\n`, or the rest at end of stream). */
export type LineCallback<T = unknown> = (this: T, line: Buffer) => unknown;

/** How a loop reads its reader's lines: handed over once by `StreamReader` (its protected engine). */
export interface LineSource {
  /** A line from what is here now, the rest at the end (`''`: EOF), or `undefined` to wait; throws as `readline()`. */
  now(reader: StreamReader, limit: number): Buffer | undefined;
  /** Waits for the next line with no promise: `sink` gets the line or a rejected promise. */
  wait(reader: StreamReader, limit: number, sink: (value: unknown) => void): void;
  /** True while a read of the reader waits. */
  waiting(reader: StreamReader): boolean;
}

let source: LineSource;

/** @internal Called once by `StreamReader`. */
export function setLineSource(lines: LineSource): void {
  source = lines;
}

/** A callback's value the loop waits for: a promise, or any other thenable. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A read started inside a callback and left waiting: the loop cannot read past it. */
export const LOOP_OVERLAP =
  'StreamReader: a forEachLine callback left a read waiting; return its promise to wait for it';

/** @internal `StreamReader.forEachLine`: one loop over `reader`'s lines, its promise. */
export function runLineLoop<T>(
  reader: StreamReader,
  limit: number,
  callback: LineCallback<T>,
  thisArg: T,
): Promise<void> {
  let resolve!: (value?: unknown) => void;
  const done = new Promise<void>((settle) => {
    resolve = settle as (value?: unknown) => void;
  });
  new LineLoop(reader, limit, callback as LineCallback, thisArg, resolve).pull();
  return done;
}

/** One `forEachLine` in progress; see the module comment. */
class LineLoop {
  readonly #reader: StreamReader;
  readonly #limit: number;
  readonly #callback: LineCallback;
  readonly #thisArg: unknown;
  /** Settles the loop: `undefined` at end of stream, a rejected promise on an error. */
  readonly #end: (value?: unknown) => void;
  /** What the reader calls with the next line (bound once a loop). */
  readonly #sink: (value: unknown) => void;
  /** Made the first time a callback returns a promise. */
  #resume: (() => void) | undefined;
  #fail: ((error: unknown) => void) | undefined;

  constructor(
    reader: StreamReader,
    limit: number,
    callback: LineCallback,
    thisArg: unknown,
    end: (value?: unknown) => void,
  ) {
    this.#reader = reader;
    this.#limit = limit;
    this.#callback = callback;
    this.#thisArg = thisArg;
    this.#end = end;
    this.#sink = (value) => {
      if (value instanceof Uint8Array) {
        if (value.length === 0) this.#end();
        else this.#run(value as Buffer);
      } else {
        // The read failed: the rejected promise rejects the loop.
        this.#end(value);
      }
    };
  }

  /** Looks for the next line: here now, or wait for it. */
  pull(): void {
    const line = this.#next();
    if (line !== undefined) this.#run(line);
  }

  /**
   * The next line if it is here now; `undefined` when the loop waits for one (the sink will
   * get it) or has ended (end of stream, an error).
   */
  #next(): Buffer | undefined {
    let line: Buffer | undefined;
    try {
      if (source.waiting(this.#reader)) throw new Error(LOOP_OVERLAP);
      line = source.now(this.#reader, this.#limit);
    } catch (error) {
      this.#end(Promise.reject(error));
      return undefined;
    }
    if (line === undefined) source.wait(this.#reader, this.#limit, this.#sink);
    else if (line.length === 0) this.#end();
    else return line;
    return undefined;
  }

  /** Hands `line` and every line already here to the callback, until one returns a promise. */
  #run(first: Buffer): void {
    let line: Buffer | undefined = first;
    while (line !== undefined) {
      let result: unknown;
      try {
        result = this.#callback.call(this.#thisArg, line);
      } catch (error) {
        this.#end(Promise.reject(error));
        return;
      }
      if (isThenable(result)) {
        this.#resume ??= () => this.pull();
        this.#fail ??= (error) => this.#end(Promise.reject(error));
        result.then(this.#resume, this.#fail);
        return;
      }
      line = this.#next();
    }
  }
}
