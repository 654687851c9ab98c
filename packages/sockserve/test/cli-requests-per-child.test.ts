/**
 * `--requests-per-child N` (issue 20): under `--processes` a child runs several requests at
 * once — 256 by default in the command, the library's 1 (Python's) with
 * `--requests-per-child 1` — so clients that stall mid-request no longer take every child.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HELP } from '../src/cli/help.js';
import { expectUsageErrors, parseServe as serve } from './cli-flags.js';
import { listeningCli } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe('the flag', () => {
  it('--help shows it with its default', () => {
    expect(HELP).toMatch(/--requests-per-child N .*\n.*\n.*\(default 256; 1: Python's/);
  });

  it('--processes defaults to 256 requests per child; the flag overrides it', () => {
    expect(serve('--processes', '2')).toMatchObject({
      strategy: { name: 'forking', count: 2, options: { maxConcurrentPerChild: 256 } },
    });
    expect(serve('--processes', '2', '--requests-per-child', '1')).toMatchObject({
      strategy: { options: { maxConcurrentPerChild: 1 } },
    });
    expect(serve('--processes', '2', '--min-spare', '0', '--requests-per-child=8')).toMatchObject({
      strategy: { options: { minSpareChildren: 0, maxConcurrentPerChild: 8 } },
    });
  });

  it('other strategies get no such option; the flag without --processes or with a bad count is a usage error', () => {
    expect(serve('--threads', '2')).toEqual(
      expect.objectContaining({
        strategy: { name: 'threading', count: 2, options: { minWorkers: 2 } },
      }),
    );
    expectUsageErrors([
      [
        ['--threads', '2', '--requests-per-child', '4'],
        '--requests-per-child sets how many requests a child process runs at once: use it with --processes N',
      ],
      [['--requests-per-child', '4'], expect.any(String)],
      [
        ['--processes', '2', '--requests-per-child', '0'],
        '--requests-per-child "0": expected a whole number of at least 1',
      ],
      [
        ['--processes', '2', '--requests-per-child', 'many'],
        '--requests-per-child "many": expected a whole number of at least 1',
      ],
    ]);
  });
});

describe('run with --processes 1 and the defaults', () => {
  it('two clients stalled mid-line do not stop a third: one child serves all three', async () => {
    // No minimum read rate: the stalled clients stay for as long as the test needs them.
    const { port } = await listeningCli(teardown, [
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--processes',
      '1',
      '--min-read-rate',
      '0',
      './echo.mjs',
    ]);
    const open = async (first: string) => {
      const socket = connect({ host: '127.0.0.1', port });
      teardown.add(() => socket.destroy());
      socket.setEncoding('utf8');
      await once(socket, 'connect');
      socket.write(first);
      return socket;
    };
    const stalled = [await open('half a li'), await open('half a li')];
    const third = await open('hi\n');
    const [answer] = (await once(third, 'data')) as [string];
    // The child's main thread (echo.mjs names the thread); --processes 1: one child at most.
    expect(answer).toBe('hi from main\n');
    for (const socket of stalled) socket.write('ne\n');
    const answers = await Promise.all(stalled.map(async (s) => (await once(s, 'data'))[0]));
    expect(answers).toEqual(['half a line from main\n', 'half a line from main\n']);
  });
});
