/**
 * The Python documentation's alternative handler: StreamRequestHandler with file-like
 * `rfile` / `wfile`, reading one line.
 *
 *   node examples/tcp-stream-server.ts --port 9999
 */
import type { InetAddress } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';
import { inetArgs, serveUntilSignal } from './lib/example-cli.ts';

/** Python's `MyTCPHandler(socketserver.StreamRequestHandler)`. */
export class MyTCPHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    // self.rfile is a file-like object created by the handler; readline() is bounded
    // (64 KiB by default) so a client can't make the server buffer without end.
    const data = (await this.rfile.readline()).toString().trim();
    console.log(`${(this.clientAddress as InetAddress).host} wrote:`);
    console.log(data);
    // Likewise, self.wfile is a file-like object used to write back to the client
    await this.wfile.write(data.toUpperCase());
  }
}

const server = await TCPServer.create(inetArgs(), MyTCPHandler);
await serveUntilSignal(server);
