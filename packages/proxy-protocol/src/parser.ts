/**
 * The incremental parser: a small state machine fed whatever the socket delivers. It gives
 * the same header, or the same error (reason and offset), whether the input arrives whole
 * or one byte at a time, because every check runs at a fixed byte position: the signature
 * byte by byte, the v2 version/command at byte 12, family at 13, length at 15, the v1 line's
 * bytes as they come (printable ASCII, CRLF only, at most 107), and the rest once complete.
 * It fails at the first byte that cannot belong to a valid header (spec 2.1: "abort the
 * connection as soon as possible").
 */
import { ProxyProtocolError } from './errors.js';
import { type ProxyHeader, SIGNATURE, V1_MAX_LENGTH } from './header.js';
import {
  type ProxyHeaderParserOptions,
  type ProxyParseResult,
  resolveParserOptions,
} from './parser-options.js';
import { decodeV1 } from './v1.js';
import { decodeV2 } from './v2.js';
import { checkV2FixedByte, v2TotalLength, wholeV2Length } from './v2-fixed.js';

export {
  DEFAULT_MAX_HEADER_BYTES,
  type ProxyHeaderParserOptions,
  type ProxyParseResult,
} from './parser-options.js';

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const NOT_DONE: ProxyParseResult = Object.freeze({ done: false });
const CR = 0x0d;
const LF = 0x0a;

/** The parser's states (a plain object: `enum` is not erasable syntax). */
const State = {
  Start: 0,
  V1Prefix: 1,
  V1Line: 2,
  V2Fixed: 3,
  V2Body: 4,
  Done: 5,
  Failed: 6,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Reads one PROXY header (v1 or v2) from a byte stream, incrementally. `push()` each chunk;
 * it returns `{ done: true, header, rest }` once the header is complete (`rest` is what came
 * after it: the start of the client's data) and throws a {@link ProxyProtocolError} at the
 * first byte that breaks the spec. Call `end()` when the stream ends early. Python's
 * `socketserver` has no counterpart.
 */
export class ProxyHeaderParser {
  readonly #v1: boolean;
  readonly #v2: boolean;
  readonly #max: number;
  #state: State = State.Start as State;
  /** Bytes seen so far (the offset of the next byte). */
  #pos = 0;
  /** The v1 line or the 16 fixed v2 bytes, as they arrive. */
  #head: Buffer | undefined;
  /** The whole v2 header once its length is known (slow path only). */
  #full: Buffer | undefined;
  #total = 0;
  #error: ProxyProtocolError | undefined;
  #header: ProxyHeader | undefined;
  /** What followed the header in the chunk that completed it (until the next push or reset). */
  #rest: Buffer | undefined;

  constructor(options: ProxyHeaderParserOptions = {}) {
    const { v1, v2, max } = resolveParserOptions(options);
    this.#v1 = v1;
    this.#v2 = v2;
    this.#max = max;
  }

  /**
   * Forgets the stream read so far (header, error, bytes) so the parser can read another one
   * with the same options: a server reuses parsers instead of making one per connection.
   */
  reset(): void {
    this.#state = State.Start;
    this.#pos = 0;
    this.#head = undefined;
    this.#full = undefined;
    this.#total = 0;
    this.#error = undefined;
    this.#header = undefined;
    this.#rest = undefined;
  }

  /** How many bytes the parser has consumed (0 means the peer sent nothing yet). */
  get bytesReceived(): number {
    return this.#pos;
  }

  /** The header, once parsed. */
  get header(): ProxyHeader | undefined {
    return this.#header;
  }

  /**
   * Feeds the next chunk. Returns `{ done: false }` while the header is incomplete; once it
   * is, `{ done: true, header, rest }`. After that, each push returns the same header with
   * the new chunk as `rest`. Throws {@link ProxyProtocolError} on invalid input, and throws
   * the same error again on any later push.
   */
  push(chunk: Uint8Array): ProxyParseResult {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#state === State.Done) return { done: true, header: this.#header!, rest: buf };
    const header = this.feed(buf);
    return header === undefined ? NOT_DONE : { done: true, header, rest: this.#rest! };
  }

  /**
   * {@link push} without a result object: the header once complete (its rest in
   * {@link rest}), `undefined` while incomplete; throws as `push` does. For a server that
   * reads one header per connection (issue 14: one object fewer per proxied connection).
   * After the header, each call returns it again with the new chunk as `rest`, as `push` does.
   */
  feed(chunk: Buffer): ProxyHeader | undefined {
    if (this.#state === State.Done) {
      this.#rest = chunk;
      return this.#header;
    }
    if (this.#error !== undefined) throw this.#error;
    try {
      // A stream's first chunk holding a whole valid v2 header (what every balancer sends),
      // decoded in place here, not through the byte loop: #consume is large and V8 was seen
      // running it unoptimised (baseline) under load (issue 14: ~500 instructions a connection).
      if (this.#pos === 0) {
        const whole = wholeV2Length(chunk, this.#v2, this.#max);
        if (whole > 0) {
          this.#pos = whole;
          return this.#finish(decodeV2(chunk, 0), chunk.subarray(whole));
        }
      }
      return this.#consume(chunk);
    } catch (error) {
      this.#state = State.Failed;
      if (error instanceof ProxyProtocolError) this.#error = error;
      throw error;
    }
  }

  /** The bytes after the header in the chunk that completed it (`feed`), or `undefined`. */
  get rest(): Buffer | undefined {
    return this.#rest;
  }

  /**
   * The stream ended. Throws `truncated` unless the header was complete (check
   * `bytesReceived` to tell "sent nothing" — a health checker that connects and resets —
   * from "stopped half way").
   */
  end(): ProxyHeader {
    if (this.#state === State.Done) return this.#header!;
    if (this.#error !== undefined) throw this.#error;
    this.#state = State.Failed;
    this.#error = new ProxyProtocolError(
      'truncated',
      `the input ended after ${this.#pos} bytes, inside the header`,
      this.#pos,
    );
    throw this.#error;
  }

  #consume(buf: Buffer): ProxyHeader | undefined {
    // The first chunk is read in place: its offsets are the stream's, so the checks read the
    // bytes where they are and nothing is copied or allocated when the whole header is in it
    // (what every balancer sends). Only a header split across chunks copies what it has.
    // (A first chunk holding a whole v2 header never gets here: see feed.)
    const inPlace = this.#pos === 0;
    if (inPlace) this.#head = buf;
    const head = this.#head!;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.#state === State.V2Body) {
        const need = this.#total - this.#pos;
        if (inPlace && n >= this.#total) {
          this.#pos = this.#total;
          return this.#finish(decodeV2(buf, 0), buf.subarray(this.#total));
        }
        this.#full ??= this.#startFull();
        const full = this.#full;
        const take = Math.min(need, n - i);
        buf.copy(full, this.#pos, i, i + take);
        this.#pos += take;
        i += take;
        if (this.#pos === this.#total) return this.#finish(decodeV2(full, 0), buf.subarray(i));
        return undefined;
      }
      const b = buf[i]!;
      const pos = this.#pos;
      if (!inPlace) head[pos] = b;
      this.#pos = pos + 1;
      i++;
      switch (this.#state) {
        case State.Start:
          if (b === V1_PREFIX[0]) this.#state = State.V1Prefix;
          else if (b === SIGNATURE[0]) this.#state = State.V2Fixed;
          else throw new ProxyProtocolError('bad-signature', 'not a PROXY v1 or v2 header', pos);
          break;
        case State.V1Prefix:
          if (b !== V1_PREFIX[pos]) {
            throw new ProxyProtocolError('bad-signature', 'not a PROXY v1 or v2 header', pos);
          }
          if (pos === V1_PREFIX.length - 1) {
            if (!this.#v1) {
              throw new ProxyProtocolError('version-disabled', 'PROXY v1 is not accepted', pos);
            }
            this.#state = State.V1Line;
          }
          break;
        case State.V1Line: {
          if (b === LF) {
            if (head[pos - 1] !== CR) {
              throw new ProxyProtocolError(
                'bad-v1-line',
                'a bare LF ends the line (CRLF only)',
                pos,
              );
            }
            return this.#finish(decodeV1(head, pos - 1), buf.subarray(i));
          }
          if (head[pos - 1] === CR && pos > 6) {
            throw new ProxyProtocolError('bad-v1-line', 'a CR not followed by LF', pos);
          }
          if (b !== CR && (b < 0x20 || b > 0x7e)) {
            throw new ProxyProtocolError('bad-v1-line', 'a v1 line is printable US-ASCII', pos);
          }
          if (pos >= V1_MAX_LENGTH - 1) {
            throw new ProxyProtocolError('too-long', 'no CRLF in the first 107 bytes', pos);
          }
          break;
        }
        case State.V2Fixed:
          // A header of 16 bytes (length 0: LOCAL or AF_UNSPEC) is complete at byte 15.
          if (this.#checkV2Fixed(pos, b) && this.#total === 16) {
            return this.#finish(decodeV2(head, 0), buf.subarray(i));
          }
          break;
      }
    }
    // The header goes on in the next chunk: keep what was seen of it (the v2 body has its own
    // buffer by now), not a view of the socket's chunk.
    if (inPlace) {
      if (this.#state === State.V2Body) {
        this.#full ??= this.#startFull();
      } else {
        const copy = Buffer.allocUnsafe(V1_MAX_LENGTH);
        buf.copy(copy, 0, 0, this.#pos);
        this.#head = copy;
      }
    }
    return undefined;
  }

  /** The buffer a v2 header split across chunks is gathered in, its 16 fixed bytes copied. */
  #startFull(): Buffer {
    const full = Buffer.allocUnsafe(this.#total);
    this.#head!.copy(full, 0, 0, 16);
    this.#head = undefined; // not read again (it may be a view of the socket's first chunk)
    return full;
  }

  /** Checks byte `pos` of the fixed v2 part; true once the length is known (byte 15). */
  #checkV2Fixed(pos: number, b: number): boolean {
    if (pos < 15) {
      checkV2FixedByte(pos, b, this.#v2);
      return false;
    }
    this.#total = v2TotalLength(this.#head!, b, this.#max);
    this.#state = State.V2Body;
    return true;
  }

  #finish(header: ProxyHeader, rest: Buffer): ProxyHeader {
    this.#state = State.Done;
    this.#header = header;
    this.#rest = rest;
    this.#head = undefined;
    this.#full = undefined;
    return header;
  }
}

/**
 * Parses a header from the start of `input` in one call. Returns the header and the bytes
 * after it; throws {@link ProxyProtocolError} (`truncated` when `input` ends inside it).
 */
export function parseProxyHeader(
  input: Uint8Array,
  options: ProxyHeaderParserOptions = {},
): { header: ProxyHeader; rest: Buffer } {
  const parser = new ProxyHeaderParser(options);
  const result = parser.push(input);
  if (result.done) return { header: result.header, rest: result.rest };
  parser.end();
  throw new Error('unreachable');
}
