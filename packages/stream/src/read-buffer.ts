/**
 * The bytes a {@link StreamReader} received but has not returned yet, kept as the chunks the
 * stream delivered: appending never copies, a read that fits in the first chunk is a view of
 * it, and a read spanning chunks copies its bytes once. The newline search remembers how far
 * it got, so each byte is scanned once however many chunks a line arrives in.
 */
import { Buffer } from 'node:buffer';

const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;

/**
 * Chunk list with a read position; the base of `StreamReader` (its fields live in the
 * reader itself, no extra object per connection). Not exported from the package. Its helpers,
 * and those of the reader's other classes, are static private methods: an instance private
 * method makes V8 store a brand in every instance (8 B per class of the chain, per connection).
 */
export class ReadBuffer {
  /** The first chunk; bytes before `#pos` were already returned. */
  #head: Buffer = EMPTY;
  #pos = 0;
  /** The chunks after the first, oldest first; only while more than one chunk is buffered. */
  #rest: Buffer[] | undefined;
  /** Bytes buffered: the rest of `#head` plus every chunk of `#rest`. */
  #length = 0;
  /** Bytes from the first buffered one on already known to hold no newline. */
  #scanned = 0;

  /** Bytes read from the stream but not yet returned. */
  get buffered(): number {
    return this.#length;
  }

  /** Adds a chunk at the end (kept as it is, not copied). */
  protected appendChunk(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#length === 0) {
      this.#head = chunk;
      this.#pos = 0;
    } else if (this.#rest === undefined) {
      this.#rest = [chunk];
    } else {
      this.#rest.push(chunk);
    }
    this.#length += chunk.length;
  }

  /**
   * Offset of the first `\n` from the first buffered byte, or -1. Bytes scanned by an earlier
   * call are not scanned again.
   */
  protected newlineOffset(): number {
    const length = this.#length;
    if (this.#scanned >= length) return -1;
    const rest = this.#rest;
    if (rest === undefined) {
      // One chunk: the usual case, searched directly.
      const found = this.#head.indexOf(NEWLINE, this.#pos + this.#scanned);
      this.#scanned = found < 0 ? length : found - this.#pos;
      return found < 0 ? -1 : this.#scanned;
    }
    // Walk back from the last chunk to the one holding the first unscanned byte: usually
    // the last one, since every chunk is scanned as soon as a line is looked for.
    let index = rest.length;
    let start = length - ReadBuffer.#chunkSize(this, index);
    while (start > this.#scanned) {
      index -= 1;
      start -= ReadBuffer.#chunkSize(this, index);
    }
    for (;;) {
      const chunk = index === 0 ? this.#head : rest[index - 1];
      const base = index === 0 ? this.#pos : 0;
      const found = (chunk as Buffer).indexOf(NEWLINE, base + this.#scanned - start);
      if (found >= 0) {
        this.#scanned = start + found - base;
        return this.#scanned;
      }
      start += (chunk as Buffer).length - base;
      this.#scanned = start;
      if (index === rest.length) return -1;
      index += 1;
    }
  }

  /**
   * The next `n` bytes (`n` <= `buffered`): the first chunk itself when they are all of it, a
   * view of it when they fit in it, else one copy.
   */
  protected takeBytes(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.#length -= n;
    this.#scanned = Math.max(0, this.#scanned - n);
    const head = this.#head;
    const inHead = head.length - this.#pos;
    if (n <= inHead) {
      // A whole chunk (one request per chunk, the usual case) is returned as it is: no view.
      const out = n === head.length ? head : head.subarray(this.#pos, this.#pos + n);
      this.#pos += n;
      if (n === inHead) ReadBuffer.#nextHead(this, 0);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    head.copy(out, 0, this.#pos);
    let written = inHead;
    const rest = this.#rest as Buffer[];
    let used = 0;
    while (written < n) {
      const chunk = rest[used] as Buffer;
      const want = n - written;
      if (chunk.length > want) {
        chunk.copy(out, written, 0, want);
        // The partly read chunk becomes the first one.
        this.#head = chunk;
        this.#pos = want;
        this.#rest = used + 1 < rest.length ? rest.slice(used + 1) : undefined;
        return out;
      }
      chunk.copy(out, written);
      written += chunk.length;
      used += 1;
    }
    ReadBuffer.#nextHead(this, used);
    return out;
  }

  /** Every buffered byte (one copy when they span chunks). */
  protected takeAll(): Buffer {
    return this.takeBytes(this.#length);
  }

  /** Replaces the buffered bytes with `data` (a reader over bytes in memory). */
  protected resetTo(data: Buffer): void {
    this.#head = data;
    this.#pos = 0;
    this.#rest = undefined;
    this.#length = data.length;
    this.#scanned = 0;
  }

  /** The first chunk is used up: the chunk after the `skip` ones of `#rest` takes its place. */
  static #nextHead(self: ReadBuffer, skip: number): void {
    const rest = self.#rest;
    self.#pos = 0;
    if (rest === undefined || skip >= rest.length) {
      self.#head = EMPTY;
      self.#rest = undefined;
      return;
    }
    self.#head = rest[skip] as Buffer;
    self.#rest = skip + 1 < rest.length ? rest.slice(skip + 1) : undefined;
  }

  /** Bytes of chunk `index` still buffered (0: the first chunk, k: `#rest[k - 1]`). */
  static #chunkSize(self: ReadBuffer, index: number): number {
    return index === 0
      ? self.#head.length - self.#pos
      : ((self.#rest as Buffer[])[index - 1] as Buffer).length;
  }
}
