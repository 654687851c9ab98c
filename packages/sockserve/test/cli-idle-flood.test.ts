/**
 * Issue 20, in the suite at a modest size: the command with its default limits, 300 silent
 * connections from 127.0.0.1 and a good client from 127.0.0.2. The per-client cap (64) resets
 * every idle connection past it at once, so the good client's exchanges are all answered.
 * (The 3,000-connection figures come from bench/idle-clients.ts.)
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

const IDLE = 300;
const CAP = 64; // the command's --max-per-client default

/** Opens `count` silent connections; resolves once `count - CAP` of them were reset. */
async function idleFlood(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let resets = 0;
  await new Promise<void>((resolve) => {
    for (let n = 0; n < count; n += 1) {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      sockets.push(socket);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        expect(error.code).toBe('ECONNRESET');
        resets += 1;
        if (resets === count - CAP) resolve();
      });
    }
  });
  teardown.add(() => {
    for (const socket of sockets) socket.destroy();
  });
  return sockets;
}

describe.each([[['--async']], [['--threads', '2']]])(
  'sockserve %s with its defaults',
  (strategy) => {
    it(`${IDLE} idle connections from one address: the cap holds ${CAP}, a good client is served`, async () => {
      const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', ...strategy, './echo.mjs']);
      teardown.add(() => cli.stop('SIGKILL'));
      const port = portOf(await cli.listening());
      const sockets = await idleFlood(port, IDLE);
      expect(sockets.filter((socket) => !socket.destroyed)).toHaveLength(CAP);
      for (let n = 0; n < 20; n += 1) {
        const good = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
        teardown.add(() => good.destroy());
        good.end(`good ${n}\n`);
        const [reply] = (await once(good, 'data')) as [Buffer];
        expect(reply.toString()).toMatch(new RegExp(`^good ${n} from `));
        good.destroy();
      }
    });
  },
);
