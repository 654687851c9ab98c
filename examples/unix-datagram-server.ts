/**
 * An upper-casing datagram server on a Unix datagram socket (Python's UnixDatagramServer
 * with a DatagramRequestHandler). Clients must bind their own socket to get the reply.
 *
 *   node examples/unix-datagram-server.ts --path /tmp/sockserve-dgram.sock
 */
import { DatagramRequestHandler } from '@sockserve/stream';
import { UnixDatagramServer } from '@sockserve/unix';
import { pathArgs, serveUntilSignal } from './lib/example-cli.ts';

/** Answers each datagram upper-cased, through `wfile` (sent back in `finish()`). */
export class UpperDatagramHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const data = this.packet.toString().trim();
    const from = this.clientAddress.family === 'unix' ? this.clientAddress.path : '';
    console.log(`${from || '(unbound client)'} wrote:`);
    console.log(data);
    await this.wfile.write(data.toUpperCase());
  }
}

const server = await UnixDatagramServer.create(pathArgs().path, UpperDatagramHandler, {
  mode: 0o600,
});
await serveUntilSignal(server);
