/**
 * AF_UNIX datagram sockets, which Node core lacks, from `node-unix-socket` (napi-rs,
 * prebuilt binaries, no install script). One workaround lives here: the addon calls into
 * JavaScript from a libuv poll callback without a callback scope, so on Node 26 the
 * `process.nextTick` it uses to emit `'data'` does not run until something else wakes the
 * loop. This wrapper listens to the addon's synchronous internal `'_data'` event and delivers
 * datagrams from a `setImmediate`, which runs with a proper scope (promises settle). The
 * version is pinned because `'_data'` is internal.
 */
import { createRequire } from 'node:module';
import { getSystemErrorMap } from 'node:util';
import type { DgramSocket } from 'node-unix-socket';

// Loaded on first use, so importing @sockserve/unix (or the sockserve umbrella) for stream
// sockets never loads the native addon.
const require = createRequire(import.meta.url);
let DgramSocketClass: typeof DgramSocket | undefined;
function loadDgramSocket(): typeof DgramSocket {
  DgramSocketClass ??= (require('node-unix-socket') as { DgramSocket: typeof DgramSocket })
    .DgramSocket;
  return DgramSocketClass;
}

/** Receives `(data, senderPath)`; `senderPath` is `''` for an unbound sender. */
export type DatagramListener = (data: Buffer, senderPath: string) => void;

/** The largest datagram the addon reads; longer ones arrive cut to this length. */
export const ADDON_READ_LIMIT = 65_535;

/** A bound AF_UNIX SOCK_DGRAM socket; see the module comment. */
export class UnixDgramSocket {
  readonly #socket: DgramSocket = new (loadDgramSocket())();
  readonly #onDatagram: DatagramListener;
  /**
   * Datagrams received since the last delivery, flat: data, sender, data, sender, … Two
   * arrays that swap at each delivery and keep their capacity (slots are cleared, not
   * dropped), so a datagram costs no tuple, no copy and no regrowth.
   */
  #pending: Array<Buffer | string | undefined> = [];
  #pendingLength = 0;
  #spare: Array<Buffer | string | undefined> = [];
  #scheduled = false;
  #closed = false;
  /**
   * Delivers what arrived since the last run (one `setImmediate` per batch, not per datagram).
   * A listener that throws doesn't lose the rest of the batch nor the spare array: the rest go
   * first into the next delivery, and the throw goes on (an uncaught exception).
   */
  readonly #deliver = (): void => {
    this.#scheduled = false;
    const batch = this.#pending;
    const length = this.#pendingLength;
    this.#pending = this.#spare;
    this.#pendingLength = 0;
    let i = 0;
    try {
      for (; i < length; i += 2) {
        const data = batch[i] as Buffer;
        const sender = batch[i + 1] as string;
        batch[i] = undefined;
        batch[i + 1] = undefined;
        if (!this.#closed) this.#onDatagram(data, sender);
      }
    } finally {
      if (i < length) this.#requeue(batch, i + 2, length);
      this.#spare = batch;
    }
  };

  /** Moves `batch[from..to)` (undelivered after a throw) to `#pending`: nothing arrives during a delivery, so they stay first. */
  #requeue(batch: Array<Buffer | string | undefined>, from: number, to: number): void {
    for (let j = from; j < to; j += 1) {
      this.#pending[this.#pendingLength++] = batch[j];
      batch[j] = undefined;
    }
    if (this.#pendingLength > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#deliver);
    }
  }

  constructor(onDatagram: DatagramListener, onError: (error: Error) => void) {
    this.#onDatagram = onDatagram;
    const socket = this.#socket;
    // The addon's own `'_data'` listener re-emits every datagram as `'data'` from a
    // `process.nextTick` (a tick and a closure per datagram) that nobody here listens to.
    const addonListener = (socket as unknown as { onData?: (...args: unknown[]) => void }).onData;
    if (addonListener !== undefined) socket.removeListener('_data', addonListener);
    socket.on('_data', (data: Buffer, sender: string | undefined) => {
      const at = this.#pendingLength;
      this.#pending[at] = data;
      this.#pending[at + 1] = sender ?? '';
      this.#pendingLength = at + 2;
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(this.#deliver);
    });
    socket.on('error', onError);
  }

  /** Binds `path` synchronously; throws the system error (EADDRINUSE, EACCES, ENOENT, …). */
  bind(path: string): void {
    try {
      this.#socket.bind(path);
    } catch (error) {
      throw withSystemCode(error);
    }
  }

  /** Sends one datagram to the socket bound at `path`. */
  sendTo(data: Uint8Array, path: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sendToThen(data, path, (error) => (error ? reject(error) : resolve())),
    );
  }

  /**
   * {@link sendTo} by callback: `done(null)` once sent, `done(error)` with the system error
   * (never a throw) — no promise per datagram.
   */
  sendToThen(data: Uint8Array, path: string, done: (error: Error | null) => void): void {
    const buffer = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    try {
      this.#socket.sendTo(buffer, 0, buffer.length, path, (error) =>
        done(error ? (withSystemCode(error) as Error) : null),
      );
    } catch (error) {
      done(withSystemCode(error) as Error);
    }
  }

  /** SO_RCVBUF / SO_SNDBUF. */
  setBufferSizes(recv: number | undefined, send: number | undefined): void {
    if (recv !== undefined) this.#socket.setRecvBufferSize(recv);
    if (send !== undefined) this.#socket.setSendBufferSize(send);
  }

  /** Closes the socket (it does not remove the socket file). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
  }
}

let messageToCode: Map<string, string> | undefined;

/**
 * The addon's errors carry the OS message ("Address already in use") but `code: 'Unknown'`;
 * give them Node's code (`EADDRINUSE`) by matching the message against libuv's error table.
 */
function withSystemCode(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  messageToCode ??= new Map(
    [...getSystemErrorMap().values()].map(([name, message]) => [message.toLowerCase(), name]),
  );
  const code = messageToCode.get(error.message.replace(/ \(os error \d+\)$/, '').toLowerCase());
  if (code !== undefined) Object.assign(error, { code });
  return error;
}
