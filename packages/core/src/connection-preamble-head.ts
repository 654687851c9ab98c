/**
 * The bytes a connection preamble (a PROXY header) read past its end — the start of the
 * client's data — handed to the connection's next reader without a round through the
 * socket's read buffer. Putting them back with `unshift` cost a proxied connection two ticks
 * and a buffer round (`addChunk`, `emitReadable`, `maybeReadMore`, then the reader's own
 * `read()`; issue 14, measured); instead they wait in a slot of the socket, and:
 * - a reader that knows this ({@link takeConnectionHead}: `@sockserve/stream`'s `rfile`)
 *   starts with them;
 * - anyone else gets them put back in the socket first: the first listener added to the
 *   socket for any event (`'data'`, `'readable'`, `pipe`, `for await`, a `once`) puts them
 *   back before it is added (a `'newListener'` listener, on this socket only), so a handler
 *   reading the socket itself sees every byte in order; code that reads the socket's buffer
 *   directly (`read()`, `readableLength`: handing the socket to a worker or child) calls
 *   {@link restoreConnectionHead} first.
 * Python's `socketserver` has nothing of the kind.
 */
import type { Readable } from 'node:stream';

const HEAD: unique symbol = Symbol('sockserve.connectionHead');

type Held = Readable & { [HEAD]?: Buffer | undefined };

/**
 * @internal Holds `head` (non-empty) for `stream`'s next reader; see the module comment.
 * Bytes already held come first.
 */
export function holdConnectionHead(stream: Readable, head: Buffer): void {
  const held = stream as Held;
  const before = held[HEAD];
  if (before !== undefined) {
    held[HEAD] = Buffer.concat([before, head]);
    return;
  }
  held[HEAD] = head;
  stream.on('newListener', restoreOnListen);
}

/** `'newListener'`: someone else starts listening to the socket; the held bytes go back in it first. */
function restoreOnListen(this: Held): void {
  restoreConnectionHead(this);
}

/**
 * The bytes held for `stream`, taken (the caller reads them before anything from the stream),
 * or `undefined`. Used by `rfile`; any other reader gets them back in the stream instead.
 */
export function takeConnectionHead(stream: Readable): Buffer | undefined {
  const held = stream as Held;
  const head = held[HEAD];
  if (head === undefined) return undefined;
  held[HEAD] = undefined;
  stream.removeListener('newListener', restoreOnListen);
  return head;
}

/** Puts the bytes held for `stream` back in front of its read buffer (`unshift`), if any. */
export function restoreConnectionHead(stream: Readable): void {
  const head = takeConnectionHead(stream);
  if (head !== undefined && !stream.destroyed) stream.unshift(head);
}
