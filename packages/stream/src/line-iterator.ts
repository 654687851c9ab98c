/**
 * Line iteration over a `StreamReader` (`for await (const line of rfile)`): `next()` is the
 * reader's private line engine, handed over once by the reader class (`setNextLine`), so an
 * iterator holds only its reader.
 */
import type { StreamReader } from './stream-reader.js';

/** The reader's line engine for iteration (set once by `StreamReader`'s static block). */
let nextLine: (reader: StreamReader) => Promise<IteratorResult<Buffer>>;

/** @internal Called once by `StreamReader`: how an iterator gets the next line. */
export function setNextLine(next: (reader: StreamReader) => Promise<IteratorResult<Buffer>>): void {
  nextLine = next;
}

/** @internal What `rfile[Symbol.asyncIterator]()` returns. */
export class LineIterator implements AsyncIterator<Buffer> {
  readonly #reader: StreamReader;

  constructor(reader: StreamReader) {
    this.#reader = reader;
  }

  next(): Promise<IteratorResult<Buffer>> {
    return nextLine(this.#reader);
  }

  async return(): Promise<IteratorResult<Buffer>> {
    return { done: true, value: undefined };
  }
}
