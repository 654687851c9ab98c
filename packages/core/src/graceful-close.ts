/**
 * Ends a connection the way sockserve's `shutdownRequest` + `closeRequest` do: queued writes
 * flush, then FIN; unread input is drained (closing with unread input makes the kernel send
 * RST, which can destroy the reply in flight); the socket is destroyed when the peer closes
 * too or after `timeout` ms, whichever is first.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** @internal Closes `socket` gracefully in the background; `onClosed` runs once it is closed. */
export function closeGracefully(socket: Duplex, timeout: number, onClosed?: () => void): void {
  if (socket.destroyed) {
    onClosed?.();
    return;
  }
  if (socket.writableFinished && socket.readableEnded) {
    socket.destroy();
    onClosed?.();
    return;
  }
  if (closesItself(socket)) {
    // The usual end of a request: the client's FIN came and nothing waits to be written, so
    // the shutdown completes without the client's help and the socket destroys itself
    // (a net.Socket is autoDestroy): no deadline, nothing to drain.
    if (onClosed !== undefined) socket.once('close', onClosed);
    if (!socket.writableEnded) socket.end();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), timeout);
  timer.unref();
  socket.once('close', () => {
    clearTimeout(timer);
    onClosed?.();
  });
  if (!socket.writableEnded) socket.end();
  socket.resume();
}

/**
 * @internal The usual end of a request, for a caller that would track the socket until it is
 * closed: when `socket` (not destroyed) closes itself without the client's help — its FIN
 * came and nothing waits to be written (see {@link closeGracefully}) — ends it and returns
 * true: there is nothing to track, time or drain. Otherwise returns false, changing nothing.
 * Saves the tracking, a listener and a closure per connection (issue 11).
 */
export function endClosingItself(socket: Duplex): boolean {
  if (!closesItself(socket)) return false;
  if (!socket.writableEnded) socket.end();
  return true;
}

/** The client's FIN came and nothing waits to be written: a `net.Socket` then closes itself. */
function closesItself(socket: Duplex): boolean {
  return socket.readableEnded && socket.writableLength === 0 && socket instanceof Socket;
}
