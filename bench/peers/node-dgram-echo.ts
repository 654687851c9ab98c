/**
 * Raw Node peer, UDP: one `dgram` socket answering each datagram upper-cased, no framework.
 * Node core has no Unix datagram sockets, so there is no raw peer for `unixdgram`.
 *
 *   node bench/peers/node-dgram-echo.ts --transport udp --host H --port P
 *
 * Same flags and `listening on ADDR` line as `bench/echo-server.ts`. Exits 0 on SIGINT / SIGTERM.
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'udp' },
    strategy: { type: 'string' },
    workers: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

const socket = createSocket(values.host.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (data, from) => {
  socket.send(data.toString('latin1').toUpperCase(), from.port, from.address);
});
socket.bind(Number(values.port), values.host, () => {
  const { address, port } = socket.address();
  console.log(`listening on ${address}:${port}`);
});

function stop(): void {
  socket.close(() => process.exit(0));
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
