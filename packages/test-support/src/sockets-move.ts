/**
 * Whether this Node moves an accepted TCP socket to a worker thread (`postMessage` transfer:
 * Node 26.6, recent 24.x; not 22), found out by trying once on loopback. Tests whose expected
 * path differs (a moved socket vs a relay) ask this instead of a version number.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/** Whether this Node moves a TCP socket to a worker (26.6, recent 24.x), found out by trying. */
export async function socketsMoveToWorkers(): Promise<boolean> {
  const worker = new Worker('', { eval: true });
  const server = createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  const [socket] = (await once(server, 'connection')) as [Socket];
  let moved = true;
  try {
    worker.postMessage({ socket }, [socket as never]);
  } catch {
    moved = false;
    socket.destroy();
  }
  client.destroy();
  server.close();
  await worker.terminate();
  return moved;
}
