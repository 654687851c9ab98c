import { brand } from './brand.js';

/**
 * Typed errors. Every error sockserve raises on purpose is a {@link SockserveError} with a
 * stable `code` string (the shape of Node's own `ERR_*` codes), so callers branch on
 * `error.code`, never on message text.
 */

/** Every stable error code sockserve raises, with the class that carries it. */
export type SockserveErrorCode =
  | 'ERR_SOCKSERVE_INVALID_OPTION'
  | 'ERR_SOCKSERVE_UNSUPPORTED'
  | 'ERR_SOCKSERVE_BIND'
  | 'ERR_SOCKSERVE_SERVER_STATE'
  | 'ERR_SOCKSERVE_HANDLER_LOAD'
  | 'ERR_SOCKSERVE_SERVER_EXIT'
  | 'ERR_SOCKSERVE_LINE_TOO_LONG'
  | 'ERR_SOCKSERVE_READ_TIMEOUT'
  | 'ERR_SOCKSERVE_WRITE_TIMEOUT'
  | 'ERR_SOCKSERVE_UNEXPECTED_EOF'
  | 'ERR_SOCKSERVE_STREAM_CLOSED'
  | 'ERR_SOCKSERVE_UNANSWERABLE'
  | 'ERR_SOCKSERVE_RUNNER_EXIT'
  | 'ERR_SOCKSERVE_WAITING_CONNECTION_LOST'
  | 'ERR_SOCKSERVE_REQUEST_TIMEOUT'
  | 'ERR_SOCKSERVE_REQUEST_CUT'
  | 'ERR_SOCKSERVE_NESTED_SERVER'
  | 'ERR_SOCKSERVE_INHERITED_DESCRIPTOR'
  | 'ERR_SOCKSERVE_PROXY_HEADER';

/**
 * Base class of every sockserve error: an `Error` with a stable {@link SockserveErrorCode}.
 * Branded: `error instanceof SockserveError` holds for an error from another loaded copy of
 * `@sockserve/core` too (its subclasses compare by prototype; compare `code` across copies).
 */
export class SockserveError extends Error {
  static {
    brand(SockserveError, 'sockserve.SockserveError');
  }

  /** Stable, documented code; safe to compare against. */
  readonly code: SockserveErrorCode;

  constructor(code: SockserveErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option had a wrong type or value. The message names the option. */
export class InvalidOptionError extends SockserveError {
  /** The option's name, e.g. `requestQueueSize`. */
  readonly option: string;

  constructor(option: string, expected: string, received: unknown) {
    super(
      'ERR_SOCKSERVE_INVALID_OPTION',
      `option "${option}" must be ${expected}; received ${describeValue(received)}`,
    );
    this.option = option;
  }

  /** An option name the receiver does not know (a typo, usually). */
  static unknown(option: string, where: string, known: readonly string[]): InvalidOptionError {
    const error = new InvalidOptionError(option, '', undefined);
    error.message = `unknown option "${option}" for ${where}; known options: ${known.join(', ')}`;
    return error;
  }

  /** An option refused for a reason other than its value (declared twice, or given with `strategy`). */
  static because(option: string, message: string): InvalidOptionError {
    const error = new InvalidOptionError(option, '', undefined);
    error.message = message;
    return error;
  }
}

/** The platform or Node version cannot do what an option asks. */
export class UnsupportedError extends SockserveError {
  constructor(message: string) {
    super('ERR_SOCKSERVE_UNSUPPORTED', message);
  }
}

/**
 * Binding or listening failed (EADDRINUSE, EACCES, EADDRNOTAVAIL, a bad address, …).
 * `syscallCode` is the system error code; `cause` the original error. Nothing is left open.
 */
export class BindError extends SockserveError {
  /** The address as the user gave it, formatted (`127.0.0.1:8000`, `/run/app.sock`). */
  readonly address: string;
  /** The underlying system code, e.g. `EADDRINUSE`, when there is one. */
  readonly syscallCode: string | undefined;

  constructor(address: string, cause: unknown) {
    const syscallCode = systemCode(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('ERR_SOCKSERVE_BIND', `cannot bind ${address}: ${reason}`, { cause });
    this.address = address;
    this.syscallCode = syscallCode;
  }
}

/**
 * An inherited descriptor (socket activation, `{ fd }`) is not what the server needs: not
 * open, not a socket, or a socket of another kind. The message names the descriptor and
 * what it is (`fd 3 is a UDP socket bound to 127.0.0.1:8000; TCPServer needs a listening TCP socket`).
 */
export class InheritedDescriptorError extends SockserveError {
  /** The descriptor number. */
  readonly fd: number;

  constructor(fd: number, message: string) {
    super('ERR_SOCKSERVE_INHERITED_DESCRIPTOR', message);
    this.fd = fd;
  }
}

/** A method was called in a state where it cannot run (e.g. `serveForever()` twice). */
export class ServerStateError extends SockserveError {
  constructor(message: string) {
    super('ERR_SOCKSERVE_SERVER_STATE', message);
  }
}

/** A handler could not be loaded from the module reference it gave. */
export class HandlerLoadError extends SockserveError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_SOCKSERVE_HANDLER_LOAD', message, options);
  }
}

/**
 * Mirrors Python's `SystemExit` / `KeyboardInterrupt` (a `BaseException` that is not an
 * `Exception`): thrown from a handler it is *not* given to `handleError`; it stops the serve
 * loop and `serveForever()` / `handleRequest()` reject with it.
 */
export class ServerExit extends SockserveError {
  constructor(message = 'server exit requested by a handler', options?: ErrorOptions) {
    super('ERR_SOCKSERVE_SERVER_EXIT', message, options);
  }
}

/**
 * A datagram came from a socket with no address (an unbound Unix datagram socket), so no
 * reply can reach it. `DatagramRequestHandler` skips its reply for such requests.
 */
export class UnanswerableError extends SockserveError {
  constructor(message = 'the sender has no address to reply to (an unbound socket)') {
    super('ERR_SOCKSERVE_UNANSWERABLE', message);
  }
}

/** A request ran past the server's `requestTimeout`: its handler's `signal` aborted with this and the request was closed. */
export class RequestTimeoutError extends SockserveError {
  /** The deadline in ms. */
  readonly timeout: number;

  constructor(timeout: number) {
    super('ERR_SOCKSERVE_REQUEST_TIMEOUT', `the request ran longer than ${timeout} ms`);
    this.timeout = timeout;
  }
}

/** A request was cut because `serverClose({ timeout })` ran out of time waiting for it. */
export class RequestCutError extends SockserveError {
  constructor() {
    super('ERR_SOCKSERVE_REQUEST_CUT', 'the server closed before this request finished');
  }
}

/**
 * Base of the errors that end a request no handler ran for because the strategy could not
 * serve it after it was accepted (a connection waiting in a worker that died: see
 * `WaitingConnectionLostError`). The pipeline ends such a request as it ends one the strategy
 * refused: `shutdownRequest`, counted `refused`, no `handleError`; its `request.end` event
 * carries the error. No Python counterpart (Python runs every accepted request's handler).
 */
export class RequestUnservedError extends SockserveError {}

/** @internal The system error code (`EADDRINUSE`, …) carried by a Node error, if any. */
export function systemCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : `an object`;
}
