/** Typed errors of the stream handlers; codes are listed in `@sockserve/core`'s `SockserveErrorCode`. */
import { SockserveError } from '@sockserve/core/handler';

/** A line was longer than the reader's limit. The connection should be dropped (the handler's error path does). */
export class LineTooLongError extends SockserveError {
  /** The limit in bytes that was exceeded. */
  readonly limit: number;

  constructor(limit: number) {
    super('ERR_SOCKSERVE_LINE_TOO_LONG', `line longer than ${limit} bytes`);
    this.limit = limit;
  }
}

/** No byte arrived for `timeout` ms while a read waited (Python's `socket.timeout`). */
export class ReadTimeoutError extends SockserveError {
  /** The timeout in ms. */
  readonly timeout: number;

  constructor(timeout: number) {
    super('ERR_SOCKSERVE_READ_TIMEOUT', `no data for ${timeout} ms`);
    this.timeout = timeout;
  }
}

/** The client took none of a write's bytes for `timeout` ms (it stopped reading). */
export class WriteTimeoutError extends SockserveError {
  /** The timeout in ms. */
  readonly timeout: number;

  constructor(timeout: number) {
    super('ERR_SOCKSERVE_WRITE_TIMEOUT', `the client took no data for ${timeout} ms`);
    this.timeout = timeout;
  }
}

/** The stream ended before `readExactly(n)` got n bytes. `partial` holds what did arrive. */
export class UnexpectedEofError extends SockserveError {
  /** The bytes read before the end. */
  readonly partial: Buffer;
  /** How many bytes were wanted. */
  readonly expected: number;

  constructor(expected: number, partial: Buffer) {
    super(
      'ERR_SOCKSERVE_UNEXPECTED_EOF',
      `stream ended after ${partial.length} of ${expected} bytes`,
    );
    this.expected = expected;
    this.partial = partial;
  }
}

/** A write on a stream that was closed or destroyed (the client went away). */
export class StreamClosedError extends SockserveError {
  constructor(message = 'the stream is closed', options?: ErrorOptions) {
    super('ERR_SOCKSERVE_STREAM_CLOSED', message, options);
  }
}
