/**
 * `--min-threads N` (issue 20): under `--threads N` the command starts all N workers before it
 * listens (the library's `minWorkers` default of 1 starts the others on demand, and the pool
 * then bound a request to a worker still loading its handler); `--min-threads 1` is the
 * library's behaviour.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HELP } from '../src/cli/help.js';
import { expectUsageErrors, parseServe as serve } from './cli-flags.js';
import { listeningCli } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe('the flag', () => {
  it('--help shows it with its default', () => {
    expect(HELP).toMatch(/--min-threads N .*\n.*\n.*\(default: all of --threads; 1: the library's/);
  });

  it('--threads N starts all N workers up front; the flag overrides it', () => {
    expect(serve('--threads', '3')).toMatchObject({
      strategy: { name: 'threading', count: 3, options: { minWorkers: 3 } },
    });
    expect(serve('--threads', '3', '--min-threads', '1')).toMatchObject({
      strategy: { options: { minWorkers: 1 } },
    });
    expect(serve('--threads=2', '--min-threads=2')).toMatchObject({
      strategy: { options: { minWorkers: 2 } },
    });
  });

  it('other strategies get no such option; the flag without --threads, over N or not a count is a usage error', () => {
    expect(serve('--async')).toEqual(expect.objectContaining({ strategy: { name: 'async' } }));
    expect(serve('--processes', '2')).not.toMatchObject({
      strategy: { options: { minWorkers: expect.anything() } },
    });
    expectUsageErrors([
      [
        ['--processes', '2', '--min-threads', '1'],
        '--min-threads sets how many worker threads start before the server listens: use it with --threads N',
      ],
      [['--min-threads', '1'], expect.any(String)],
      [
        ['--threads', '2', '--min-threads', '3'],
        '--min-threads 3: at most --threads (2) workers can start',
      ],
      [
        ['--threads', '2', '--min-threads', '0'],
        '--min-threads "0": expected a whole number of at least 1',
      ],
      [
        ['--threads', '2', '--min-threads', 'all'],
        '--min-threads "all": expected a whole number of at least 1',
      ],
    ]);
  });
});

describe('a real run', () => {
  /** Starts the command with the load-log handler; returns it, its port and the loads so far. */
  async function start(...flags: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'sockserve-min-threads-'));
    teardown.add(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'loads');
    const { port } = await listeningCli(
      teardown,
      ['serve', '--tcp', '127.0.0.1:0', ...flags, './load-log.mjs'],
      { env: { SOCKSERVE_TEST_LOAD_LOG: log } },
    );
    const workersLoaded = () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => /^loaded in worker \d+$/.test(line))
        .sort();
    return { port, workersLoaded };
  }

  /** A client answered once and still connected: its handler holds one worker's slot. */
  async function held(port: number) {
    const socket = connect({ host: '127.0.0.1', port });
    teardown.add(() => socket.destroy());
    socket.setEncoding('utf8');
    socket.write('hold\n');
    const [answer] = (await once(socket, 'data')) as [string];
    return answer;
  }

  async function exchange(port: number, line: string): Promise<string> {
    const socket = connect({ host: '127.0.0.1', port });
    teardown.add(() => socket.destroy());
    socket.setEncoding('utf8');
    socket.write(`${line}\n`);
    const [answer] = (await once(socket, 'data')) as [string];
    socket.end();
    return answer;
  }

  it('--threads 2: both workers loaded the handler before the server listens', async () => {
    const { port, workersLoaded } = await start('--threads', '2');
    expect(workersLoaded()).toEqual(['loaded in worker 1', 'loaded in worker 2']);
    // A client held by a worker and a second one: served with no further start-up.
    expect(await held(port)).toMatch(/^hold from worker [12]\n$/);
    expect(await exchange(port, 'ping')).toMatch(/^ping from worker [12]\n$/);
    expect(workersLoaded()).toEqual(['loaded in worker 1', 'loaded in worker 2']);
  });

  it('--min-threads 1 (the library default): the second worker loads only once a request needs it', async () => {
    const { port, workersLoaded } = await start('--threads', '2', '--min-threads', '1');
    expect(workersLoaded()).toEqual(['loaded in worker 1']);
    expect(await held(port)).toBe('hold from worker 1\n');
    // Worker 1 holds a request: the pool starts worker 2 for this one, after listening.
    expect(await exchange(port, 'ping')).toBe('ping from worker 2\n');
    expect(workersLoaded()).toEqual(['loaded in worker 1', 'loaded in worker 2']);
  });
});
