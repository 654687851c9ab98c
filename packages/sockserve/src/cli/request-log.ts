/**
 * `--verbose`: one line per request on stderr — client address, duration, bytes in and out,
 * and the error if it failed — read from the `sockserve:request.end` diagnostics channel, so
 * the command pays nothing for it when the option is off. (Python's `http.server` logs a line
 * per request to stderr with `log_message`; `socketserver` itself logs nothing.)
 */
import diagnostics from 'node:diagnostics_channel';
import { formatAddress, type SocketAddress } from '@sockserve/core';
import { firstLine } from './usage-error.js';

/** The `sockserve:request.end` message (see `@sockserve/core`'s diagnostics). */
export interface RequestEndMessage {
  readonly server: object;
  readonly request: unknown;
  readonly clientAddress: SocketAddress;
  readonly durationMs: number;
  readonly error: unknown;
}

const REQUEST_END = 'sockserve:request.end';

/**
 * Bytes in and out of a request: a connection's `bytesRead` / `bytesWritten` as this process
 * saw them, or a datagram's length. A socket moved into a worker or child (`remote`) counts its
 * bytes there, and the request.end event doesn't carry them: none seen here is reported as such.
 */
function bytesOf(request: unknown, remote: boolean): string {
  const socket = request as { bytesRead?: unknown; bytesWritten?: unknown; data?: unknown };
  if (typeof socket.bytesRead === 'number' && typeof socket.bytesWritten === 'number') {
    if (remote && socket.bytesRead === 0 && socket.bytesWritten === 0) {
      return ', bytes counted where the socket moved';
    }
    return `, ${socket.bytesRead} bytes in, ${socket.bytesWritten} bytes out`;
  }
  if (socket.data instanceof Uint8Array) return `, ${socket.data.byteLength} bytes in`;
  return '';
}

/** The line for one request: `request from 127.0.0.1:5555: 1.2 ms, 6 bytes in, 14 bytes out[, failed: …]`. */
export function formatRequestLine(message: RequestEndMessage, remote = false): string {
  const failed = message.error === undefined ? '' : `, failed: ${firstLine(message.error)}`;
  return `request from ${formatAddress(message.clientAddress)}: ${message.durationMs.toFixed(1)} ms${bytesOf(message.request, remote)}${failed}`;
}

/**
 * Writes a line per request of `server` to `write` until the returned function is called;
 * `remote`: handlers run in workers or children (sockets may move there).
 */
export function logRequests(
  server: object,
  write: (line: string) => void,
  remote = false,
): () => void {
  const onEnd = (message: unknown) => {
    const end = message as RequestEndMessage;
    if (end.server === server) write(formatRequestLine(end, remote));
  };
  diagnostics.subscribe(REQUEST_END, onEnd);
  return () => diagnostics.unsubscribe(REQUEST_END, onEnd);
}
