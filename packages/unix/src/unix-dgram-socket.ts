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
  readonly #pending: Array<[Buffer, string]> = [];
  #scheduled = false;
  #closed = false;

  constructor(onDatagram: DatagramListener, onError: (error: Error) => void) {
    this.#socket.on('_data', (data: Buffer, sender: string | undefined) => {
      this.#pending.push([data, sender ?? '']);
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        for (const [d, s] of this.#pending.splice(0)) if (!this.#closed) onDatagram(d, s);
      });
    });
    this.#socket.on('error', onError);
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
