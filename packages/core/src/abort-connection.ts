/**
 * Refusing or dropping a connection without a word: an abortive close (RST) where the socket
 * supports one, a plain close elsewhere. Node's `socket.resetAndDestroy()` exists for TCP
 * only; on a Unix-domain (pipe) socket it throws `ERR_INVALID_HANDLE_TYPE`, which in an
 * accept callback would take the whole server down. Unix stream sockets have no reset: the
 * peer sees end-of-stream (or ECONNRESET if it had sent bytes that were never read).
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Resets `socket` (TCP) or destroys it (anything else). Never throws; idempotent. */
export function abortConnection(socket: Socket): void {
  if (socket.destroyed) return;
  if (isTcp(socket)) {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      // Fall through to a plain close: refusing must never throw.
    }
  }
  socket.destroy();
}

/**
 * Resets any stream a connection runs over: {@link abortConnection} for a `net.Socket` (an RST
 * on TCP, a plain close on a Unix socket), `destroy()` for another `Duplex` (a relayed
 * connection's stream in a runner). Never throws; idempotent.
 */
export function resetStream(stream: Duplex): void {
  if (stream instanceof Socket) abortConnection(stream);
  else stream.destroy();
}

/** True when the socket's handle is a TCP one (the only kind `resetAndDestroy()` accepts). */
function isTcp(socket: Socket): boolean {
  const handle = (socket as unknown as { _handle?: { constructor?: { name?: string } } })._handle;
  return handle?.constructor?.name === 'TCP';
}
