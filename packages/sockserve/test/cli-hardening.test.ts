/**
 * The command's limits on idle and slow clients (issue 20): safe defaults shown in `--help`,
 * each flag parsed (0 = off, a bad value is a usage error naming it), and — run as a user
 * runs it — a per-client cap, a first-byte deadline and the minimum read rate that reach
 * handlers in worker threads and child processes.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HELP } from '../src/cli/help.js';
import { UsageError } from '../src/cli/usage-error.js';
import { parseServe as serve } from './cli-flags.js';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe('flags', () => {
  it('--help shows each limit with its default', () => {
    expect(HELP).toMatch(/--idle-timeout MS .*\n.*\(default 30000\)/);
    expect(HELP).toMatch(/--first-byte-timeout MS .*\(default 10000\)/);
    expect(HELP).toMatch(/--max-per-client N .*\n.*\(default 64; TCP only/);
    expect(HELP).toMatch(/--request-timeout MS .*\(default 300000\)/);
    expect(HELP).toMatch(/--min-read-rate BYTES .*\n.*\n.*\(a slowloris; default 500\)/);
    expect(HELP).toMatch(/--min-read-grace MS .*\n.*\(default 10000\)/);
  });

  it('each flag overrides its default; 0 turns it off', () => {
    expect(
      serve(
        '--idle-timeout',
        '0',
        '--first-byte-timeout',
        '250',
        '--max-per-client',
        '0',
        '--request-timeout',
        '1000',
        '--min-read-rate',
        '0',
        '--min-read-grace',
        '2000',
      ),
    ).toMatchObject({
      hardening: {
        idleTimeout: 0,
        firstByteTimeout: 250,
        maxPerClient: 0,
        requestTimeout: 1000,
        minReadRate: 0,
        minReadGrace: 2000,
      },
    });
  });

  it.each([
    ['--idle-timeout', '5s', 'expected a whole number of milliseconds'],
    ['--first-byte-timeout', '1e3', 'expected a whole number of milliseconds'],
    ['--max-per-client', 'many', 'expected a whole number (0 = no limit)'],
    ['--request-timeout', '1.5', 'expected a whole number of milliseconds'],
    ['--min-read-rate', '1k', 'expected a whole number (0 = no limit)'],
    ['--min-read-grace', '2.5', 'expected a whole number of milliseconds'],
  ])('%s %s is a usage error naming the flag', (flag, value, message) => {
    expect(() => serve(flag, value)).toThrow(UsageError);
    expect(() => serve(flag, value)).toThrow(`${flag} "${value}": ${message}`);
  });
});

/** Connects from `localAddress`; resolves with how the server ended it, or 'open' once answered. */
async function fate(port: number, localAddress: string, send?: string) {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  teardown.add(() => socket.destroy());
  socket.on('error', () => {});
  if (send !== undefined) socket.write(send);
  return new Promise<{ socket: Socket; outcome: string }>((resolve) => {
    socket.once('data', () => resolve({ socket, outcome: 'answered' }));
    socket.once('end', () => resolve({ socket, outcome: 'ended' }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ socket, outcome: error.code ?? 'error' }),
    );
  });
}

describe.each([['--threads'], ['--processes']])('run with %s 2', (option) => {
  it('a client over --max-per-client is reset; a silent one is closed by the first-byte deadline', async () => {
    const cli = new CliProcess([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      option,
      '2',
      '--max-per-client',
      '2',
      '--first-byte-timeout',
      '200',
      './echo.mjs',
    ]);
    teardown.add(() => cli.stop('SIGKILL'));
    const port = portOf(await cli.listening());
    const answered = await fate(port, '127.0.0.1', 'hi\n');
    expect(answered.outcome).toBe('answered');
    // The second connection from 127.0.0.1 sends nothing: the handler in the runner ends it.
    const silent = fate(port, '127.0.0.1');
    // Counted from accept: while both are open a third from the same address is reset.
    const third = await fate(port, '127.0.0.1');
    expect(third.outcome).toBe('ECONNRESET');
    expect((await fate(port, '127.0.0.2', 'hi\n')).outcome).toBe('answered');
    expect((await silent).outcome).toBe('ended');
    await once(answered.socket.end(), 'close');
  });

  it('a client trickling its request below --min-read-rate is closed; a good client is answered', async () => {
    const cli = new CliProcess([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      option,
      '2',
      '--min-read-grace',
      '300',
      './echo.mjs',
    ]);
    teardown.add(() => cli.stop('SIGKILL'));
    const port = portOf(await cli.listening());
    // Two tricklers (one per runner, were it one request each) sending a byte every 100 ms.
    const tricklers = [0, 1].map(() => {
      const socket = connect({ host: '127.0.0.1', port });
      teardown.add(() => socket.destroy());
      socket.on('error', () => {});
      socket.write('a');
      const timer = setInterval(() => socket.writable && socket.write('a'), 100);
      teardown.add(() => clearInterval(timer));
      return new Promise<string>((resolve) => {
        socket.once('data', () => resolve('answered'));
        socket.once('end', () => resolve('ended'));
      });
    });
    // The default rate (500 bytes/s) came with the command's defaults: both are ended.
    expect(await Promise.all(tricklers)).toEqual(['ended', 'ended']);
    expect((await fate(port, '127.0.0.2', 'hi\n')).outcome).toBe('answered');
  });
});
