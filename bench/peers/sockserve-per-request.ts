/**
 * The sockserve peer of `bench/forking-accept-floor.ts`: a per-request `ForkingTCPServer` with
 * ready spares, in a process of its own, answering with the child's timestamps
 * (`lib/handover-handler.ts`, children preloaded with `lib/handover-preload.mjs`).
 *
 *   node bench/peers/sockserve-per-request.ts children|server [--spares 2] [--child-flags="--a --b"]
 *
 * `children`: the spares accept from the listening socket themselves (`acceptIn: 'children'`;
 * the handler's answer then carries the child's accept); `server`: this process accepts and
 * hands each connection to a spare. `--child-flags`: Node/V8 flags added to each child's
 * `execArgv` (whitespace-separated; issue 19 measured V8's first-call flags with it). Prints
 * `listening on PORT`; on SIGTERM shuts down, closes (children included) and exits.
 */
import { parseArgs } from 'node:util';
import { ForkingMixIn } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { HandoverTraceHandler } from '../lib/handover-handler.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    spares: { type: 'string', default: '2' },
    'child-flags': { type: 'string', default: '' },
  },
});
const acceptIn = positionals[0] === 'children' ? 'children' : 'server';

class ForkingTCPServer extends ForkingMixIn(TCPServer) {}

const server = await ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, HandoverTraceHandler, {
  forkingMode: 'per-request',
  minSpareChildren: Number(values.spares),
  acceptIn,
  execArgv: [
    ...values['child-flags'].split(/\s+/).filter((flag) => flag !== ''),
    '--import',
    new URL('../lib/handover-preload.mjs', import.meta.url).href,
  ],
});
const loop = server.serveForever();
process.once('SIGTERM', async () => {
  server.shutdown();
  await loop;
  await server.serverClose({ timeout: 1000 });
  process.exit(0);
});
console.log(`listening on ${(server.serverAddress as { port: number }).port}`);
