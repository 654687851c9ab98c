/**
 * The TLS bench's clients: Node `tls.connect` connections sending a 64-byte line and waiting
 * for its echo — over persistent connections, or one connection per request (a handshake
 * each), from this thread or from several client threads (this module is their entry too).
 */
import { once } from 'node:events';
import { connect, type TLSSocket } from 'node:tls';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const LINE = `${'x'.repeat(63)}\n`;

/** Opens a TLS connection (no verification: the client's CPU is not what is measured). */
function open(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () =>
      resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** Sends LINE and resolves once its echo (one line) is back. */
function exchange(socket: TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      if (got >= LINE.length) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(LINE);
  });
}

/** What a measurement gives: requests/s over the measured part, requests over all of it. */
export interface Rate {
  readonly rate: number;
  readonly all: number;
}

/** Requests/s over `connections` persistent connections for `seconds` (after a 1 s warm-up). */
export async function persistent(
  port: number,
  connections: number,
  seconds: number,
): Promise<Rate> {
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(port)));
  let counting = false;
  let count = 0;
  let all = 0;
  let stop = false;
  const loops = sockets.map(async (socket) => {
    while (!stop) {
      await exchange(socket);
      all += 1;
      if (counting) count += 1;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const rate = count / ((performance.now() - started) / 1000);
  stop = true;
  await Promise.all(loops);
  for (const socket of sockets) socket.destroy();
  return { rate, all };
}

/** New connections per second, one request each, `concurrency` at once. */
async function handshakes(port: number, concurrency: number, seconds: number): Promise<Rate> {
  let counting = false;
  let count = 0;
  let all = 0;
  let stop = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      const socket = await open(port);
      await exchange(socket);
      socket.end();
      socket.destroy();
      all += 1;
      if (counting) count += 1;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const rate = count / ((performance.now() - started) / 1000);
  stop = true;
  await Promise.all(loops);
  return { rate, all };
}

/**
 * Handshakes from `threads` client threads (`--client-threads`), `concurrency` in all: a
 * client handshake costs about as much CPU as the server's, so one client thread caps what a
 * server with more cores can show. Rates add up; `all` too.
 */
export async function handshakesFrom(
  threads: number,
  port: number,
  concurrency: number,
  seconds: number,
): Promise<Rate> {
  if (threads <= 1) return handshakes(port, concurrency, seconds);
  const parts = Array.from({ length: threads }, (_, index) => {
    const share = Math.floor(concurrency / threads) + (index < concurrency % threads ? 1 : 0);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { tlsBenchClient: true, port, concurrency: share, seconds },
    });
    return once(worker, 'message').then(([rate]) => rate as Rate);
  });
  const rates = await Promise.all(parts);
  return {
    rate: rates.reduce((sum, part) => sum + part.rate, 0),
    all: rates.reduce((sum, part) => sum + part.all, 0),
  };
}

if (!isMainThread && (workerData as { tlsBenchClient?: boolean } | null)?.tlsBenchClient) {
  // A client thread of handshakesFrom().
  const { port, concurrency, seconds } = workerData as {
    port: number;
    concurrency: number;
    seconds: number;
  };
  parentPort?.postMessage(await handshakes(port, concurrency, seconds));
}
