/**
 * `--grow-after MS|startup` (issue 19): the runner strategies' `growAfter` — how long requests
 * find every child (or worker) busy before the pool starts one more beyond `--min-spare`.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HELP } from '../src/cli/help.js';
import { expectUsageErrors, parseServe as serve } from './cli-flags.js';
import { listeningCli, runCli } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe('the flag', () => {
  it('--help shows it with its default', () => {
    expect(HELP).toMatch(
      /--grow-after MS +with --threads\/--processes: .*\n.*\n.*\(default startup: /,
    );
  });

  it('sets growAfter under --processes and --threads; not given, the library default stays', () => {
    expect(serve('--processes', '2', '--grow-after', '0')).toMatchObject({
      strategy: { name: 'forking', options: { growAfter: 0 } },
    });
    expect(serve('--processes', '2', '--grow-after=250')).toMatchObject({
      strategy: { options: { growAfter: 250 } },
    });
    expect(serve('--threads', '2', '--grow-after', 'startup')).toMatchObject({
      strategy: { name: 'threading', options: { growAfter: 'startup' } },
    });
    expect(serve('--processes', '2', '--grow-after', '2147483647')).toMatchObject({
      strategy: { options: { growAfter: 2_147_483_647 } },
    });
    // Above Node's longest timer: the library arms such a wait in steps (core's pool-growth.ts).
    expect(serve('--threads', '2', '--grow-after', '2147483648')).toMatchObject({
      strategy: { name: 'threading', options: { growAfter: 2_147_483_648 } },
    });
    expect(serve('--processes', '2', '--grow-after', '9007199254740991')).toMatchObject({
      strategy: { options: { growAfter: Number.MAX_SAFE_INTEGER } },
    });
    expect(serve('--processes', '2')).not.toMatchObject({
      strategy: { options: { growAfter: expect.anything() } },
    });
  });

  it('without a runner strategy, or with a value that is not startup or whole ms, is a usage error', () => {
    const bad = (text: string) =>
      `--grow-after ${JSON.stringify(text)}: expected startup or a whole number of milliseconds (0 to 9007199254740991)`;
    expectUsageErrors([
      [
        ['--async', '--grow-after', '0'],
        '--grow-after sets when a busy pool starts another worker or child: use it with --threads N or --processes N',
      ],
      [
        ['--grow-after', '0'],
        '--grow-after sets when a busy pool starts another worker or child: use it with --threads N or --processes N',
      ],
      [['--processes', '2', '--grow-after', 'soon'], bad('soon')],
      [['--processes', '2', '--grow-after=-1'], bad('-1')],
      [['--processes', '2', '--grow-after', '1.5'], bad('1.5')],
      [['--processes', '2', '--grow-after', ''], bad('')],
      [['--processes', '2', '--grow-after', 'Startup'], bad('Startup')],
      // One past the largest exact whole number: Number() would round it.
      [['--threads', '2', '--grow-after', '9007199254740992'], bad('9007199254740992')],
      [['--threads', '2', '--grow-after', '1e3'], bad('1e3')],
    ]);
  });

  it('a bad value exits 2 with the message before anything is bound', async () => {
    const { code, stdout, stderr } = await runCli([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--processes',
      '2',
      '--grow-after',
      'soon',
      './pid-lines.mjs',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /--grow-after "soon": expected startup or a whole number of milliseconds \(0 to 9007199254740991\)/,
    );
    expect(stderr).not.toMatch(/listening/);
  });
});

describe('a real run: --processes 2 --min-spare 0 --requests-per-child 1', () => {
  const flags = ['--processes', '2', '--min-spare', '0', '--requests-per-child', '1'];

  async function start(...more: string[]) {
    const { port } = await listeningCli(teardown, [
      'serve',
      '--tcp',
      '127.0.0.1:0',
      ...flags,
      ...more,
      './pid-lines.mjs',
    ]);
    return port;
  }

  /** A client whose connection reached a child: it sent `line` and the child answered. */
  async function client(port: number, line: string): Promise<{ socket: Socket; answer: string }> {
    const socket = connect({ host: '127.0.0.1', port });
    teardown.add(() => socket.destroy());
    socket.setEncoding('utf8');
    socket.write(`${line}\n`);
    const [answer] = (await once(socket, 'data')) as [string];
    return { socket, answer };
  }

  const pidOf = (answer: string) => /^\w+ from (\d+)\n$/.exec(answer)?.[1];

  it('--grow-after 0: a request finding the only child busy gets a second child at once', async () => {
    const port = await start('--grow-after', '0');
    const held = await client(port, 'hold');
    // The first client still holds its child: this one is answered only by a new child.
    const next = await client(port, 'ping');
    expect(pidOf(held.answer)).toMatch(/^\d+$/);
    expect(pidOf(next.answer)).toMatch(/^\d+$/);
    expect(pidOf(next.answer)).not.toBe(pidOf(held.answer));
  });

  // 2147483648: one past Node's longest timer, which would fire after 1 ms and start a child.
  it.each(['600000', '2147483648'])(
    '--grow-after %s: the request waits for the busy child instead of starting one',
    async (wait) => {
      // --max-per-client 2: a third connection is reset once the server accepted the second.
      const port = await start('--grow-after', wait, '--max-per-client', '2');
      const held = await client(port, 'hold');
      const socket = connect({ host: '127.0.0.1', port });
      teardown.add(() => socket.destroy());
      socket.setEncoding('utf8');
      socket.write('ping\n');
      const answered = once(socket, 'data') as Promise<[string]>;
      // The server holds the waiting request (its bytes came with it) before the first is let go.
      const third = connect({ host: '127.0.0.1', port });
      teardown.add(() => third.destroy());
      const [error] = (await once(third, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('ECONNRESET');
      // Served once the first client lets its child go: by that child, the only one started.
      held.socket.end();
      const [answer] = await answered;
      expect(pidOf(answer)).toBe(pidOf(held.answer));
    },
  );
});
