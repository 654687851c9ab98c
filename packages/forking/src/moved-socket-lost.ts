/**
 * The error of a stream request whose socket did not reach its forking child: the server sent
 * the request with its socket handle (`moved`), but the socket was closed in the server — the
 * client left — before Node could send the handle, so the message came alone. The child ends
 * the request with this error at once. No Python counterpart: a Python child inherits the
 * socket by `fork()`.
 */
import { SockserveError } from '@sockserve/core';

/**
 * A request's connection closed before its socket reached the child `where` (`child 1234`).
 * Code `ERR_SOCKSERVE_STREAM_CLOSED`, the code of a connection the client closed under a
 * request (`StreamClosedError` of `@sockserve/stream`); it reaches the server's
 * `handleError` and `request.end` as a remote error with that `code`.
 */
export class MovedSocketLostError extends SockserveError {
  constructor(where: string) {
    super('ERR_SOCKSERVE_STREAM_CLOSED', `the connection closed before it reached ${where}`);
  }
}
