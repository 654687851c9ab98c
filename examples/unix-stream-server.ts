/**
 * An upper-casing line server on a Unix stream socket (Python's UnixStreamServer with a
 * StreamRequestHandler), one line per connection like the TCP example.
 *
 *   node examples/unix-stream-server.ts --path /tmp/sockserve.sock
 */
import { StreamRequestHandler } from '@sockserve/stream';
import { UnixStreamServer } from '@sockserve/unix';
import { pathArgs, serveUntilSignal } from './lib/example-cli.ts';

/** Reads one line, prints it, answers it upper-cased. */
export class UpperHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const data = (await this.rfile.readline()).toString().trim();
    console.log('unix client wrote:');
    console.log(data);
    await this.wfile.write(data.toUpperCase());
  }
}

// mode 0o600: only this user may connect, from the moment the socket file exists.
const server = await UnixStreamServer.create(pathArgs().path, UpperHandler, { mode: 0o600 });
await serveUntilSignal(server);
