/**
 * What the PROXY header read needs of a `net.Socket` to read without stream listeners (see
 * `HeaderRead` in stream-preamble.ts): its own `push` and `_destroy`, set while the header is
 * read and set back after, and its libuv handle, started as `net.Socket`'s `_read` starts it.
 */
import { Socket } from 'node:net';

/** The part of a socket's libuv handle the read starts, as `net.Socket` itself does. */
export interface ReadingHandle {
  reading?: boolean;
  readStart(): number;
}

/** What a hooked socket's own properties are, for the read (see HeaderRead). */
export interface Hooked {
  push(chunk: Buffer | null): boolean;
  _destroy(error: Error | null, callback: (error?: Error | null) => void): void;
}

/** `net.Socket`'s own `push` and `_destroy`: what a hooked socket's are set back to. */
export const SOCKET = Socket.prototype as unknown as Hooked;

/**
 * The handle of a socket whose chunks its read callback pushes (a `net.Socket` on a libuv
 * handle, nothing buffered in it, `push` and `_destroy` its class's), or undefined: then the
 * read listens.
 */
export function hookable(socket: Socket): ReadingHandle | undefined {
  const hooked = socket as unknown as Hooked;
  if (hooked.push !== SOCKET.push || hooked._destroy !== SOCKET._destroy) return undefined;
  if (!(socket instanceof Socket) || socket.readableLength !== 0) return undefined;
  const handle = (socket as unknown as { _handle?: ReadingHandle | null })._handle;
  return handle == null || typeof handle.readStart !== 'function' ? undefined : handle;
}
