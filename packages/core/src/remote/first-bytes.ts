/**
 * Waiting for a connection's first bytes in the server's process, so that a worker thread or
 * child process is handed only connections that have something to read (issue 20): an idle
 * connection then costs the server's event loop a paused socket, not a runner's slot.
 *
 * Exactly one chunk is read, and put back (`unshift`): reading stops inside the callback that
 * delivered it, and again once the stream's read-ahead has restarted it, so no more bytes (and
 * no end of stream) are taken from the kernel (`test/first-bytes.test.ts`). The chunk
 * then travels with the request like any byte read before the hand-over (`read-bytes.ts`,
 * `head` on the `stream` message), so the handler reads exactly what the client sent.
 */
import type { Socket } from 'node:net';
import { holdsConnectionHead } from '../connection-preamble-head.js';

/** How waiting for the first bytes ended. */
export type FirstBytes =
  /** The client sent bytes; they wait in the socket's buffer, which is paused and no longer reading. */
  | { readonly kind: 'data' }
  /** The client ended or reset the connection without sending anything. */
  | { readonly kind: 'closed' }
  /** Nothing came within the deadline. */
  | { readonly kind: 'timeout' }
  /** Given up from outside (the server is closing). */
  | { readonly kind: 'stopped' };

/** A wait in progress: `result` settles once; `stop()` gives up (result `stopped`). */
export interface FirstBytesWait {
  readonly result: Promise<FirstBytes>;
  stop(): void;
}

/**
 * A connection that came with bytes held beside it (a PROXY header's rest,
 * connection-preamble-head.ts): it has spoken, and its socket waits, not reading, until the
 * hand-over takes them (`detachReadBytes`) — nothing to listen for, put back or stop.
 */
const SPOKE: FirstBytesWait = { result: Promise.resolve({ kind: 'data' }), stop: () => {} };

/** Waits up to `deadline` ms (`null`: no limit) for `socket`'s first bytes; see the module comment. */
export function waitForFirstBytes(socket: Socket, deadline: number | null): FirstBytesWait {
  if (holdsConnectionHead(socket)) return SPOKE;
  let stop: () => void = () => {};
  const result = new Promise<FirstBytes>((resolve) => {
    const done = (outcome: FirstBytes) => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      stopReading(socket);
      socket.unshift(chunk);
      // Node's stream reads ahead to its highWaterMark even when paused: on the next tick it
      // starts the handle again (`maybeReadMore`). Stopped again after that tick, it stays
      // stopped: the stream then counts its read as outstanding and asks for no other.
      queueMicrotask(() => stopReading(socket));
      done({ kind: 'data' });
    };
    const onClosed = () => done({ kind: 'closed' });
    const timer =
      deadline === null ? undefined : setTimeout(() => done({ kind: 'timeout' }), deadline);
    stop = () => done({ kind: 'stopped' });
    if (socket.destroyed || socket.readableEnded) {
      done({ kind: 'closed' });
      return;
    }
    socket.on('data', onData);
    socket.once('end', onClosed);
    socket.once('close', onClosed);
    socket.resume();
  });
  return { result, stop: () => stop() };
}

/**
 * Stops `socket` reading from the kernel now: pauses the stream and stops its handle (Node's
 * `pause()` alone keeps reading until the stream's buffer is full). `handle.reading` and
 * `readStop()` are Node internals, driven as `net.Socket` drives them for `pauseOnConnect`
 * and backpressure; where they are missing the socket only pauses, and `detachReadBytes`
 * stops it at the hand-over. The stream is not told: when the chunk came from its buffer (a
 * PROXY header's rest put back) it still counts a read as outstanding and will not start the
 * handle again by itself — a relay starts it (`startReading` in read-bytes.ts).
 */
export function stopReading(socket: Socket): void {
  socket.pause();
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStop?: () => number } })
    ._handle;
  if (handle?.reading === true && typeof handle.readStop === 'function') {
    handle.reading = false;
    handle.readStop();
  }
}
