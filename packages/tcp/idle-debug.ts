import diagnostics from 'node:diagnostics_channel';
import { connect } from 'node:net';
import { AsyncStrategy } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';

class PatientEcho extends StreamRequestHandler {
  override firstByteTimeout: number | null = 30;
  override idleTimeout: number | null = 40;
  override async handle(): Promise<void> {
    console.log('handle', this.rfile.firstByteTimeout, this.rfile.idleTimeout);
    for await (const line of this.rfile) await this.wfile.write(line);
    console.log('handled');
  }
}
diagnostics.subscribe('sockserve:connection.idle', (m) =>
  console.log('idle', (m as { reason: string }).reason),
);
const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, PatientEcho, {
  strategy: new AsyncStrategy(),
});
server.serveForever();
const s = connect({ host: '127.0.0.1', port: server.serverAddress.port });
s.resume();
const c = connect({ host: '127.0.0.1', port: server.serverAddress.port });
c.write('one\n');
c.on('data', (d) => console.log('data', String(d)));
c.on('end', () => console.log('c end'));
s.on('end', () => {
  console.log('end');
});
setTimeout(() => {
  console.log('timeout');
  process.exit(1);
}, 2000);
