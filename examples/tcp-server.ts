/**
 * The Python documentation's TCP server (socketserver "Examples", TCPServer with a
 * BaseRequestHandler): one receive of up to 1024 bytes, print who wrote what, answer in
 * upper case.
 *
 *   node examples/tcp-server.ts --port 9999
 */
import type { Socket } from 'node:net';
import { BaseRequestHandler, type InetAddress } from '@sockserve/core';
import { recv, sendall } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';
import { inetArgs, serveUntilSignal } from './lib/example-cli.ts';

/** The request handler class for our server (Python's `MyTCPHandler`). */
export class MyTCPHandler extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    // this.request is the TCP socket connected to the client
    const data = (await recv(this.request, 1024)).toString().trim();
    console.log(`${(this.clientAddress as InetAddress).host} wrote:`);
    console.log(data);
    // just send back the same data, but upper-cased
    await sendall(this.request, data.toUpperCase());
  }
}

// Create the server, binding to localhost on port 9999 (or --host / --port).
const server = await TCPServer.create(inetArgs(), MyTCPHandler);
// Activate the server; this will keep running until you interrupt the program with Ctrl-C.
await serveUntilSignal(server);
