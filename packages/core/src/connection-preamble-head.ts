/**
 * The bytes a connection preamble (a PROXY header) read past its end — the start of the
 * client's data — held beside the socket for its next reader instead of put back with
 * `unshift` (issue 14: a buffer round and the stream's ticks on every proxied connection).
 *
 * Usually the handler starts in the same callback and its reader takes them at once. If not,
 * the socket reads nothing more while they are held (from the end of that callback, before
 * any I/O can run): its handle stops reading from the kernel and the stream counts a read as
 * outstanding, so neither a later chunk nor the client's FIN (`'end'`) can overtake them —
 * whatever the client sends waits in the kernel. They leave the slot exactly once, in one of
 * two ways, and a stopped socket reads again at that moment:
 * - {@link takeConnectionHead}: a reader that knows of the slot (`@sockserve/stream`'s
 *   `StreamReader`, on its first read) takes them as its first bytes. A reader that closes
 *   with bytes unread hands them back to the socket as it does any bytes.
 * - {@link restoreConnectionHead}: they go back in front of the socket's buffer (`unshift`)
 *   for any other reader. This happens by itself when someone starts listening to the socket
 *   for `'data'`, `'readable'` or `'end'` (a `'data'` listener, `pipe()`, `for await`,
 *   `once(socket, 'end')`: a `'newListener'` listener on this socket only, while bytes are
 *   held), when anyone calls its `read()` (directly, or through `resume()`, as a close that
 *   drains the input does: an own `read` on the socket while bytes are held), and
 *   explicitly where code reads the socket's buffer itself (`canMoveSocket`, the hand-over of
 *   a socket to a worker or child).
 * Python's `socketserver` has nothing of the kind.
 */
import type { Readable } from 'node:stream';

const HEAD: unique symbol = Symbol('sockserve.connectionHead');
/** Set while a kept head's hooks are on the socket (not its `read`: someone may wrap that). */
const KEPT: unique symbol = Symbol('sockserve.connectionHeadKept');

type Held = Readable & { [HEAD]?: Buffer | undefined; [KEPT]?: true | undefined };

/** The part of libuv's stream handle used here, driven as `net.Socket` itself drives it. */
interface ReadingHandle {
  reading?: boolean;
  readStart?(): number;
  readStop?(): number;
}

/** The stream's own read state: `reading` is "a read from the source is outstanding". */
interface ReadState {
  reading: boolean;
}

/**
 * @internal Holds `head` (non-empty) for `stream`'s next reader; see the module comment. Bytes
 * already held come first. The caller then hands the connection on and calls
 * {@link keepConnectionHead} before it returns: a reader that started synchronously meanwhile
 * (the usual case: an in-process handler reading `rfile`) has taken them, and the socket went
 * on reading untouched (stopping and restarting its handle would cost an epoll change).
 */
export function holdConnectionHead(stream: Readable, head: Buffer): void {
  if (pendingStream === stream) {
    pendingHead = Buffer.concat([pendingHead as Buffer, head]);
    return;
  }
  if (pendingStream !== undefined) park();
  const held = stream as Held;
  const before = held[HEAD];
  if (before !== undefined) {
    held[HEAD] = Buffer.concat([before, head]);
    return;
  }
  pendingStream = stream;
  pendingHead = head;
}

/**
 * The stream whose bytes were held last, and the bytes, until {@link keepConnectionHead}:
 * kept here, not on the socket, while the connection is handed on — a reader that starts in
 * that same callback (the usual case) takes them from here, and the socket never gets the
 * `HEAD` property (issue 14: one hidden-class change of every proxied `net.Socket` fewer).
 * Bytes still here at `keepConnectionHead` (or when another stream's are held) move onto
 * their socket.
 */
let pendingStream: Readable | undefined;
let pendingHead: Buffer | undefined;

/** Moves the pending bytes onto their stream's `HEAD` slot. */
function park(): void {
  (pendingStream as Held)[HEAD] = pendingHead;
  pendingStream = undefined;
  pendingHead = undefined;
}

/**
 * @internal Called after {@link holdConnectionHead}, before returning to the event loop: if the
 * bytes are still held, the socket stops reading until they leave (see the module comment);
 * if a listener for `'data'` or `'readable'` came meanwhile, they go back in the socket now.
 * Nothing can arrive between the two calls (no I/O runs in between), so no byte and no FIN
 * overtakes them.
 */
export function keepConnectionHead(stream: Readable): void {
  if (pendingStream === stream) park();
  if ((stream as Held)[HEAD] === undefined) return;
  const handle = handleOf(stream);
  const state = (stream as unknown as { _readableState?: ReadState })._readableState;
  if (
    handle?.readStop === undefined ||
    handle.readStart === undefined ||
    state === undefined ||
    stream.listenerCount('data') > 0 ||
    stream.listenerCount('readable') > 0
  ) {
    // Not a socket on a libuv handle (a relay): nothing to stop. Or someone reads already.
    restoreConnectionHead(stream);
    return;
  }
  if (handle.reading === true) {
    handle.reading = false;
    handle.readStop();
  }
  // Outstanding: the stream asks its handle for nothing (not even its read-ahead on the next
  // tick) until the handle is started again and delivers, which clears this.
  state.reading = true;
  (stream as Held)[KEPT] = true;
  stream.on('newListener', restoreOnListen);
  // Any read() — called directly, by resume()'s flow, by a close draining the input — puts
  // them back first. An own property until they leave (KEPT marks a kept head).
  (stream as Held & { read: unknown }).read = readRestoring;
}

/**
 * `read()` while bytes are held (kept): they go back in the stream, then the stream's own read
 * — its prototype's, never `this.read`: a wrapper someone put over this one calls back here.
 */
function readRestoring(this: Held, size?: number): unknown {
  restoreConnectionHead(this);
  const own = Object.getPrototypeOf(this) as { read(this: Readable, size?: number): unknown };
  return own.read.call(this, size);
}

/** `'newListener'`: a reader starts listening to the socket; the held bytes go back in it first. */
function restoreOnListen(this: Held, event: string | symbol): void {
  if (event === 'data' || event === 'readable' || event === 'end') restoreConnectionHead(this);
}

/**
 * The bytes held for `stream`, taken (the caller reads them before anything from the stream),
 * or `undefined`. The stream reads from its source again. Used by `rfile`; any other reader
 * gets them back in the stream instead.
 */
export function takeConnectionHead(stream: Readable): Buffer | undefined {
  return take(stream, true);
}

/**
 * @internal {@link takeConnectionHead} for a socket about to leave this thread or process
 * (`detachReadBytes`): a kept socket's handle stays stopped — it would be stopped again at
 * once — and whoever keeps the socket here after all starts it (read-bytes.ts `resume`).
 */
export function takeConnectionHeadStopped(stream: Readable): Buffer | undefined {
  return take(stream, false);
}

function take(stream: Readable, restart: boolean): Buffer | undefined {
  if (pendingStream === stream) {
    // Not kept yet: the socket never stopped reading.
    const pending = pendingHead;
    pendingStream = undefined;
    pendingHead = undefined;
    return pending;
  }
  const held = stream as Held;
  const head = held[HEAD];
  if (head === undefined) return undefined;
  held[HEAD] = undefined;
  // Kept (keepConnectionHead): the hooks go and the socket reads again. Taken before that,
  // the socket never stopped.
  if (held[KEPT] === true) {
    held[KEPT] = undefined;
    // Ours only: a wrapper someone put over it stays, and reaches the prototype's read.
    if ((stream as { read: unknown }).read === readRestoring)
      delete (stream as { read?: unknown }).read;
    stream.removeListener('newListener', restoreOnListen);
    if (restart) startReading(stream);
  }
  return head;
}

/** Puts the bytes held for `stream` back in front of its read buffer (`unshift`), if any. */
export function restoreConnectionHead(stream: Readable): void {
  const head = takeConnectionHead(stream);
  if (head === undefined || stream.destroyed) return;
  stream.unshift(head);
  // unshift() puts bytes in front undecoded: with an encoding set (setEncoding while they were
  // held), they would come out a Buffer and a character split with the next chunk broken.
  // Setting it again decodes the buffer — only these bytes: nothing was read while held.
  const encoding = stream.readableEncoding;
  if (encoding !== null) stream.setEncoding(encoding);
}

/** True while bytes are held for `stream`. */
export function holdsConnectionHead(stream: Readable): boolean {
  return pendingStream === stream || (stream as Held)[HEAD] !== undefined;
}

function handleOf(stream: Readable): ReadingHandle | undefined {
  return (stream as unknown as { _handle?: ReadingHandle | null })._handle ?? undefined;
}

/** Starts the handle reading again, as `net.Socket`'s own `_read` does (`tryReadStart`). */
function startReading(stream: Readable): void {
  const handle = handleOf(stream);
  if (stream.destroyed || handle?.readStart === undefined || handle.reading === true) return;
  handle.reading = true;
  handle.readStart();
}
