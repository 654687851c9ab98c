/**
 * Bytes the server already read from a connection before it went to a worker or a child: a
 * transport that reads something per connection first (a PROXY header, a TLS record, a
 * server's own `verifyRequest`) may have read past it, and those bytes sit in the socket's
 * read buffer. A handle that moves to another thread or process takes only what the kernel
 * still holds, so the server takes them out, stops the socket reading (nothing may arrive in
 * this process once the handle leaves), and sends them with the request (`head` on the
 * `stream` message); the runner puts them back before the handler reads.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { takeConnectionHeadStopped } from '../connection-preamble-head.js';

/** The part of libuv's stream handle these helpers drive, as `net.Socket` itself does. */
interface ReadingHandle {
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

function handleOf(socket: Socket): ReadingHandle | undefined {
  const handle = (socket as unknown as { _handle?: ReadingHandle | null })._handle;
  return handle ?? undefined;
}

/** What {@link detachReadBytes} took from a socket. */
export interface DetachedBytes {
  /** The bytes read and not consumed, in order. */
  readonly head: Buffer;
  /**
   * Lets the socket read again in this process (when it stays here after all: relayed),
   * whoever stopped its handle — this function, or an earlier stage (see `startReading`). The
   * head is not put back: it travels in the message.
   */
  resume(): void;
}

/**
 * Takes the bytes a socket read and nobody consumed, and stops it reading (the state
 * `pauseOnConnect` leaves a fresh connection in), so that its handle can move with no byte
 * lost or left behind. `undefined` (and nothing changed) for a socket that never read.
 */
export function detachReadBytes(socket: Duplex): DetachedBytes | undefined {
  if (!(socket instanceof Socket) || socket.destroyed) return undefined;
  // Bytes a preamble read past its end, held beside the socket, travel first; a kept socket's
  // handle is already stopped and stays so (not started only to be stopped again below).
  const held = takeConnectionHeadStopped(socket);
  const handle = handleOf(socket);
  if (held === undefined && socket.readableLength === 0 && handle?.reading !== true)
    return undefined;
  // read() with no size returns the whole buffer; it may ask the handle to read more, which
  // only takes effect on a later turn of the event loop: the stop below comes first.
  const buffered = socket.readableLength > 0 ? (socket.read() as Buffer | string | null) : null;
  if (handle?.reading === true) {
    // What net.Socket does for `pauseOnConnect` (and on backpressure).
    handle.reading = false;
    handle.readStop();
  }
  const rest = buffered === null ? undefined : Buffer.from(buffered);
  const head =
    held === undefined
      ? (rest ?? Buffer.alloc(0))
      : rest === undefined
        ? held
        : Buffer.concat([held, rest]);
  return { head, resume: () => startReading(socket) };
}

/**
 * Starts `socket`'s handle reading from the kernel if it is stopped, as net.Socket's own read
 * does (`tryReadStart`). The stream would not always do it itself: a handle stopped behind
 * its back while a read was outstanding (`_readableState.reading`) — the first-bytes wait's
 * `stopReading` on bytes that came from the stream's buffer, such as a PROXY header's rest
 * put back — is never asked to read again, and a relay over it would wait forever for bytes
 * the kernel holds (issue 14/16: PROXY + TLS under `--threads`).
 */
export function startReading(socket: Socket): void {
  const handle = handleOf(socket);
  if (socket.destroyed || handle === undefined || handle.reading === true) return;
  handle.reading = true;
  handle.readStart();
}

/** The runner's side: puts `head` back in front of what `stream` reads next. */
export function restoreReadBytes(stream: Duplex, head: Uint8Array | undefined): void {
  if (head === undefined || head.byteLength === 0 || stream.destroyed) return;
  stream.unshift(Buffer.from(head.buffer, head.byteOffset, head.byteLength));
}
