/**
 * A loopback client that keeps all the server sends: connect, write, end, and read the whole
 * reply at the server's FIN or at the close — the block many socket tests wrote out by hand.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** A connected client collecting its replies; see `connectAndCollect`. */
export interface CollectingClient {
  readonly socket: Socket;
  /** What arrived so far, decoded across chunk edges. */
  received(): string;
  /** Writes each chunk once the one before it was flushed (one segment each on loopback). */
  send(...chunks: Array<Buffer | string>): Promise<void>;
  /** Everything received, once the server's FIN arrived; rejects on a socket error first. */
  ended(): Promise<string>;
  /** Everything received, once the socket closed; rejects on a socket error first. */
  closed(): Promise<string>;
}

/** Options of `connectAndCollect`. */
export interface CollectOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** How the bytes are decoded; default utf8 ('latin1' keeps one character per byte). */
  readonly encoding?: BufferEncoding;
  /** Called with the socket before the connect is awaited, e.g. to destroy it in teardown. */
  readonly track?: (socket: Socket) => void;
}

/**
 * Connects to `port` and collects from the first byte on (the 'end', 'close' and 'error'
 * listeners are there before anything can arrive, so none is missed however late one asks).
 */
export async function connectAndCollect(
  port: number,
  options: CollectOptions = {},
): Promise<CollectingClient> {
  const socket = connect({ host: options.host ?? '127.0.0.1', port });
  options.track?.(socket);
  let text = '';
  socket.setEncoding(options.encoding ?? 'utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  // Settled by the first of the event or an error; made now, so none is missed however late
  // one asks, and marked handled so an error nobody asks about is not an unhandled rejection.
  const settledAt = (event: 'end' | 'close') => {
    const settled = new Promise<string>((resolve, reject) => {
      socket.once(event, () => resolve(text));
      socket.on('error', reject);
    });
    settled.catch(() => {});
    return settled;
  };
  const ended = settledAt('end');
  const closed = settledAt('close');
  await once(socket, 'connect');
  return {
    socket,
    received: () => text,
    async send(...chunks) {
      for (const chunk of chunks) {
        await new Promise<void>((resolve, reject) =>
          socket.write(chunk, (error) => (error ? reject(error) : resolve())),
        );
      }
    },
    ended: () => ended,
    closed: () => closed,
  };
}

/**
 * Connects, sends `writes` (each flushed before the next), ends its side and resolves with the
 * whole reply once the connection closed.
 */
export async function exchangeWrites(
  port: number,
  writes: Array<Buffer | string>,
  options: CollectOptions = {},
): Promise<string> {
  const client = await connectAndCollect(port, options);
  await client.send(...writes);
  client.socket.end();
  return client.closed();
}
