/**
 * The Python documentation's ThreadingMixIn example ("Asynchronous Mixins"): a threaded TCP
 * server on port 0, three clients, each answer naming the thread that served it — here the
 * worker thread — then shutdown and exit 0.
 *
 *   node examples/threaded-tcp.ts
 */
import { connect, type Socket } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { BaseRequestHandler, type InetAddress } from '@sockserve/core';
import { recv, sendall } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';
import { currentThreadName, ThreadingMixIn } from '@sockserve/threading';

/** Python's `ThreadedTCPRequestHandler`: answers `<thread name>: <data>`. */
export class ThreadedTCPRequestHandler extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const data = (await recv(this.request, 1024)).toString('ascii');
    await sendall(this.request, `${currentThreadName()}: ${data}`);
  }
}

/** Python's `class ThreadedTCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer): pass`. */
class ThreadedTCPServer extends ThreadingMixIn(TCPServer) {}

async function client(ip: string, port: number, message: string): Promise<void> {
  const sock = connect({ host: ip, port });
  await sendall(sock, message);
  const response = (await recv(sock, 1024)).toString('ascii');
  sock.destroy();
  console.log(`Received: ${response}`);
}

// Python's `if __name__ == "__main__":` — the workers import this module for the handler. The
// guard is required: without it each worker would run this block again. sockserve refuses that
// — `ThreadedTCPServer.create()` inside a worker throws NestedServerError
// (ERR_SOCKSERVE_NESTED_SERVER) naming this guard — so the mistake fails at start-up instead of
// starting servers without end (issue 13: 134 threads and 1.5 GB in 6 s before the check).
if (isMainThread) {
  const HOST = 'localhost';
  const PORT = 0;
  // Three workers up front, so each of the three clients is served by its own thread.
  const server = await ThreadedTCPServer.create(
    { host: HOST, port: PORT },
    ThreadedTCPRequestHandler,
    {
      maxWorkers: 3,
      minWorkers: 3,
    },
  );
  try {
    const { host: ip, port } = server.serverAddress as InetAddress;
    const loop = server.serveForever();
    console.log(`Server loop running in thread: ${currentThreadName()}`);
    await client(ip, port, 'Hello World 1');
    await client(ip, port, 'Hello World 2');
    await client(ip, port, 'Hello World 3');
    await server.shutdown();
    await loop;
  } finally {
    await server.serverClose();
  }
}
