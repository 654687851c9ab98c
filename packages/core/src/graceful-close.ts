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
  if (socket.readableEnded && socket.writableLength === 0 && socket instanceof Socket) {
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
