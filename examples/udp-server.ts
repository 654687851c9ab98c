/**
 * The Python documentation's UDP server: `self.request` is the pair (data, socket); the
 * handler answers through the socket, upper-cased.
 *
 *   node examples/udp-server.ts --port 9999
 */
import { BaseRequestHandler, type InetAddress } from '@sockserve/core';
import { UDPServer, type UdpDatagramRequest } from '@sockserve/udp';
import { inetArgs, serveUntilSignal } from './lib/example-cli.ts';

/** Python's `MyUDPHandler`: `self.request` consists of a pair of data and client socket. */
export class MyUDPHandler extends BaseRequestHandler<UdpDatagramRequest> {
  static readonly module = import.meta.url;

  override handle(): Promise<void> {
    const data = this.request.data.toString().trim();
    const socket = this.request.socket;
    const client = this.clientAddress as InetAddress;
    console.log(`${client.host} wrote:`);
    console.log(data);
    return new Promise((resolve, reject) =>
      socket.send(data.toUpperCase(), client.port, client.host, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
}

const server = await UDPServer.create(inetArgs(), MyUDPHandler);
await serveUntilSignal(server);
