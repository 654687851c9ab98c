// A threading TCP server from the installed tarballs: prints `listening on ADDR`, stops on SIGTERM.
import { formatAddress } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingMixIn } from '@sockserve/threading';

class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}

const handler = { module: new URL('./handler.mjs', import.meta.url), export: 'Upper' };
const server = await ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
  maxWorkers: 2,
});
process.once('SIGTERM', () => void server.shutdown());
console.log(`listening on ${formatAddress(server.serverAddress)}`);
try {
  await server.serveForever();
} finally {
  await server.serverClose();
}
