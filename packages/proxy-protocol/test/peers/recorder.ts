/**
 * The upstream a proxy connects to in the fixture tests: a plain Node TCP server on
 * 127.0.0.1:0 that records every byte of every connection it accepts, so the tests can look
 * at exactly what HAProxy or nginx put in front of the client's data.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** One recorded connection. */
export interface RecordedConnection {
  readonly socket: Socket;
  /** The bytes received so far. */
  bytes(): Buffer;
  /** Resolves with the bytes once `predicate(bytes)` holds (checked on every chunk). */
  until(predicate: (bytes: Buffer) => boolean): Promise<Buffer>;
  /** Resolves with every byte once the peer closed its side. */
  readonly ended: Promise<Buffer>;
}

/** A recording upstream server. */
export interface Recorder {
  readonly host: string;
  readonly port: number;
  /** Resolves with the next connection not yet handed out. */
  next(): Promise<RecordedConnection>;
  close(): Promise<void>;
}

/** Starts a recorder on 127.0.0.1 (or `host`), port 0. */
export async function startRecorder(host = '127.0.0.1'): Promise<Recorder> {
  const queue: RecordedConnection[] = [];
  const waiters: ((c: RecordedConnection) => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    const checks = new Set<() => void>();
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      for (const check of checks) check();
    });
    const ended = new Promise<Buffer>((resolve) =>
      socket.once('close', () => {
        for (const check of checks) check();
        resolve(Buffer.concat(chunks));
      }),
    );
    const connection: RecordedConnection = {
      socket,
      bytes: () => Buffer.concat(chunks),
      ended,
      until(predicate) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const bytes = Buffer.concat(chunks);
            if (predicate(bytes)) {
              checks.delete(check);
              resolve(bytes);
            } else if (socket.destroyed || socket.readableEnded) {
              checks.delete(check);
              reject(
                new Error(
                  `connection closed after ${bytes.length} bytes: ${bytes.toString('hex')}`,
                ),
              );
            }
          };
          checks.add(check);
          check();
        });
      },
    };
    const waiter = waiters.shift();
    if (waiter) waiter(connection);
    else queue.push(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    host,
    port,
    next() {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
