/**
 * Test helpers: real loopback sockets (TCP pairs and UDP sockets on 127.0.0.1, port 0), a
 * log of what a reader pulled from a socket, and small promise utilities. Everything opened
 * through {@link Loopback} is closed by {@link Loopback.closeAll}.
 */
import { createSocket, type Socket as DatagramSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import type { SocketAddress } from '@sockserve/core';
import { vi } from 'vitest';

/** Both ends of one loopback TCP connection. */
export interface SocketPair {
  /** The connecting side: the test plays the peer with it. */
  readonly client: Socket;
  /** The accepted side: what a server hands its handler. */
  readonly server: Socket;
  /** Errors either end emitted (a peer reset makes some); recorded so none goes unhandled. */
  readonly errors: Error[];
}

/** Opens real loopback sockets and closes all of them at the end of a test. */
export class Loopback {
  readonly #listeners: Server[] = [];
  readonly #sockets: Socket[] = [];
  readonly #datagramSockets: DatagramSocket[] = [];

  /** A connected TCP pair on 127.0.0.1 (the listener uses port 0). */
  async pair(): Promise<SocketPair> {
    const listener = createServer();
    this.#listeners.push(listener);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port } = listener.address() as AddressInfo;
    const errors: Error[] = [];
    const client = connect(port, '127.0.0.1');
    this.#sockets.push(client);
    client.on('error', (error) => errors.push(error));
    const accepted = once(listener, 'connection') as Promise<[Socket]>;
    const [[server]] = await Promise.all([accepted, once(client, 'connect')]);
    this.#sockets.push(server);
    server.on('error', (error) => errors.push(error));
    return { client, server, errors };
  }

  /** A UDP socket bound to 127.0.0.1 on a port the system picks. */
  async datagramSocket(): Promise<DatagramSocket> {
    const socket = createSocket('udp4');
    this.#datagramSockets.push(socket);
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return socket;
  }

  /** Destroys every socket and closes every listener opened by this instance. */
  async closeAll(): Promise<void> {
    await Promise.all(
      this.#sockets.splice(0).map(async (socket) => {
        if (socket.closed) return;
        const closed = once(socket, 'close');
        socket.destroy();
        await closed;
      }),
    );
    await Promise.all(
      this.#listeners
        .splice(0)
        .map((listener) => new Promise<void>((resolve) => listener.close(() => resolve()))),
    );
    await Promise.all(
      this.#datagramSockets.splice(0).map(async (socket) => {
        const closed = once(socket, 'close');
        try {
          socket.close();
        } catch {
          return; // already closed by the test
        }
        await closed;
      }),
    );
  }
}

/** The remote address of an accepted socket, as a sockserve `SocketAddress`. */
export function peerAddress(socket: Socket): SocketAddress {
  return { family: 'IPv4', host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
}

/** The chunks a stream handed out (its 'data' emits: from `read()` or while flowing). */
export interface ReadLog {
  /** Every chunk the stream handed out, in order. */
  readonly chunks: Buffer[];
  /** Total bytes in `chunks`. */
  readonly total: number;
  /** Resolves once the stream has handed out at least `count` chunks. */
  waitFor(count: number): Promise<void>;
}

/**
 * Spies on the real socket's `emit` (calling through) to log the chunks a reader takes:
 * how the test knows a chunk reached the reader before the peer sends the next one.
 */
export function watchReads(socket: Socket): ReadLog {
  const chunks: Buffer[] = [];
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  // Every chunk leaves the stream as a 'data' emit, whether taken by `read()` (paused) or
  // handed out as it arrives (flowing); watching `emit` adds no listener, so the stream's
  // mode stays the reader's.
  const original = socket.emit.bind(socket);
  vi.spyOn(socket, 'emit').mockImplementation((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data') {
      const chunk = args[0];
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      const ready = waiters.filter((waiter) => chunks.length >= waiter.count);
      waiters = waiters.filter((waiter) => chunks.length < waiter.count);
      for (const waiter of ready) waiter.resolve();
    }
    return original(event, ...args);
  });
  return {
    chunks,
    get total() {
      return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    },
    waitFor(count) {
      if (chunks.length >= count) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
  };
}

/**
 * True when `promise` is still unsettled after everything already queued ran (microtasks,
 * ticks, and the I/O callbacks of one event-loop turn). Only used to assert that something
 * did *not* happen; never to wait for something.
 */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  return !settled;
}

/** Everything `socket` receives until the peer ends it. */
export async function readToEnd(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A buffer of `size` bytes with a repeating, position-dependent pattern (not all equal). */
export function patternBuffer(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) data[i] = (i * 31 + (i >>> 8)) & 0xff;
  return data;
}
