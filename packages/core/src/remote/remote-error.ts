/** Rebuilds an error that crossed a thread or process boundary, with its original stack. */
import { RequestUnservedError, ServerExit, SockserveError } from '../errors.js';
import type { RemoteErrorInfo } from './protocol.js';

/**
 * An error thrown by a handler in a worker thread or child process: same `name`, `message`,
 * `code`, plain-valued fields (`limit`, …) and `stack` as the original (the stack names the
 * handler's own lines); `where` says which runner it came from. A `ServerExit` comes back as
 * a `ServerExit`.
 */
export class RemoteHandlerError extends Error {
  /** The original error's `code`, when it had one. */
  readonly code: string | undefined;
  /** The runner it was thrown in, e.g. `worker 3`. */
  readonly where: string;

  constructor(info: RemoteErrorInfo, where: string) {
    super(info.message);
    Object.assign(this, info.props);
    this.name = info.name;
    this.code = info.code;
    this.where = where;
    if (info.stack !== undefined) this.stack = `${info.stack}\n    (thrown in ${where})`;
  }
}

/** @internal Turns posted error info back into an error; `ServerExit` keeps its class. */
export function fromRemoteError(info: RemoteErrorInfo, where: string): Error {
  if (info.name === 'ServerExit' && info.code === 'ERR_SOCKSERVE_SERVER_EXIT') {
    const exit = new ServerExit(info.message);
    if (info.stack !== undefined) exit.stack = `${info.stack}\n    (thrown in ${where})`;
    return exit;
  }
  return new RemoteHandlerError(info, where);
}

/** A runner (worker thread or child process) died while it ran this request. */
export class RunnerExitError extends SockserveError {
  constructor(message: string) {
    super('ERR_SOCKSERVE_RUNNER_EXIT', message);
  }
}

/**
 * A connection was waiting in a worker for its first bytes (`waitForFirstBytes`), or had spoken
 * and waited there for a handler slot (`maxRequestsPerWorker` all taken), when the worker
 * died: no handler ran for it and its socket went with the worker, so it can't be
 * served elsewhere. The pipeline ends it as refused (a `RequestUnservedError`): counted
 * `refused`, not passed to `handleError`, and its client is not blamed for the crash.
 */
export class WaitingConnectionLostError extends RequestUnservedError {
  constructor(message: string) {
    super('ERR_SOCKSERVE_WAITING_CONNECTION_LOST', message);
  }
}
