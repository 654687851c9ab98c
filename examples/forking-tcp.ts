/**
 * The Python documentation's mixin example ("Asynchronous Mixins") with ForkingMixIn: a
 * forking TCP server on port 0, three clients, each answer naming the process that served
 * it — a child per request, as Python's ForkingMixIn does — then shutdown and exit 0.
 *
 *   node examples/forking-tcp.ts
 */
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { BaseRequestHandler, type InetAddress } from '@sockserve/core';
import { ForkingMixIn, isForkedChild } from '@sockserve/forking';
import { recv, sendall } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';

/** Python's `ThreadedTCPRequestHandler`, forking: answers `<pid>: <data>`. */
export class ForkingTCPRequestHandler extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const data = (await recv(this.request, 1024)).toString('ascii');
    await sendall(this.request, `${process.pid}: ${data}`);
  }
}

/** Python's `class ForkingTCPServer(socketserver.ForkingMixIn, socketserver.TCPServer): pass`. */
class ForkingTCPServer extends ForkingMixIn(TCPServer) {}

async function client(ip: string, port: number, message: string): Promise<void> {
  const sock = connect({ host: ip, port });
  await sendall(sock, message);
  const response = (await recv(sock, 1024)).toString('ascii');
  sock.destroy();
  console.log(`Received: ${response}`);
}

// Python's `if __name__ == "__main__":` — the children import this module for the handler.
if (!isForkedChild()) {
  const HOST = 'localhost';
  const PORT = 0;
  // Python's semantics: a new process for every request (the default mode is a reused pool).
  const server = await ForkingTCPServer.create(
    { host: HOST, port: PORT },
    ForkingTCPRequestHandler,
    { forkingMode: 'per-request' },
  );
  try {
    const { host: ip, port } = server.serverAddress as InetAddress;
    const loop = server.serveForever();
    console.log(`Server loop running in process: ${process.pid}`);
    await client(ip, port, 'Hello World 1');
    await client(ip, port, 'Hello World 2');
    await client(ip, port, 'Hello World 3');
    await server.shutdown();
    await loop;
  } finally {
    await server.serverClose();
  }
}
