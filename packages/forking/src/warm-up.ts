/**
 * A forking child's warm-up before it reports ready: one small exchange over a loopback TCP
 * connection to itself, so the first request it serves doesn't pay for Node compiling and
 * first-running its socket and stream code (the net, stream and timer internals a request
 * goes through). In a per-request child that first request is its only one; warmed, it costs
 * about what a pooled child's request costs (issue 19). It binds 127.0.0.1 on a free port for
 * the duration and touches no handler code. Anything that fails (no loopback) or takes over
 * {@link WARM_UP_LIMIT} ms is abandoned: the child is then simply not warmed.
 *
 * Given `serve`, the server side of that connection is a request served by it (the child's
 * warm-up request through its own request path, `warm-up-request.ts`) instead of a plain
 * upper-case echo: the client sends one line and reads until the server closes.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/** ms the warm-up may take before it is abandoned. */
export const WARM_UP_LIMIT = 1000;

/**
 * Runs the warm-up; never rejects, and resolves once its sockets and server emitted 'close'.
 * `serve` (optional) serves the accepted socket and resolves once its request is done.
 */
export async function warmUp(serve?: (socket: Socket) => Promise<void>): Promise<void> {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
  const sockets: Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const exchange = async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    sockets.push(client);
    client.setNoDelay(true);
    const [socket] = (await accepted) as [Socket];
    sockets.push(socket);
    const closed = once(socket, 'close');
    let served: Promise<void> | undefined;
    if (serve === undefined) {
      socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
      socket.on('end', () => socket.end());
      socket.resume();
    } else served = serve(socket);
    client.end('warm-up\n');
    const chunks: Buffer[] = [];
    for await (const chunk of client) chunks.push(chunk as Buffer);
    await Promise.all([closed, served]);
  };
  try {
    await Promise.race([
      exchange(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, WARM_UP_LIMIT);
        timer.unref();
      }),
    ]);
  } catch {
    // Not warmed: the first request compiles what it needs, as it would without this.
  } finally {
    clearTimeout(timer);
    // Resolves once everything it opened emitted 'close': nothing of it outlives the warm-up.
    const closing: Array<Promise<unknown> | undefined> = sockets.map((socket) =>
      socket.closed ? undefined : once(socket, 'close').catch(() => {}),
    );
    for (const socket of sockets) socket.destroy();
    if (server.listening)
      closing.push(new Promise<void>((resolve) => server.close(() => resolve())));
    await Promise.all(closing);
  }
}
