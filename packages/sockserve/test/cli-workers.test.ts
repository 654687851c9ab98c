/**
 * `--workers N` (issue 15): N server processes on one TCP address under a supervisor that
 * accepts nothing itself. Shared socket (default) or `--reuse-port`; a worker killed with
 * SIGKILL is replaced after the back-off while the other goes on answering; SIGTERM drains
 * all and the command exits 0; misuse is a usage error (exit 2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf, runCli } from './cli-process.js';
import { Teardown } from './helpers.js';
import { oneRequest } from './request-loop.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

function start(args: readonly string[]): CliProcess {
  const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', '--async', ...args, './pid.mjs']);
  teardown.add(async () => {
    for (const match of cli.stderr.matchAll(/pids? (\d+(?:, \d+)*)/g)) {
      for (const pid of (match[1] as string).split(', ')) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await cli.stop('SIGKILL');
  });
  return cli;
}

/** The workers' pids from the `N workers: pids A, B` line. */
async function workerPids(cli: CliProcess): Promise<string[]> {
  const [, pids] = (await cli.stderrMatching(/\d+ workers: pids ([\d, ]+)\n/)) as string[];
  return (pids as string).split(', ');
}

async function answers(port: number, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const pid = await oneRequest(port);
    seen[pid] = (seen[pid] ?? 0) + 1;
  }
  return seen;
}

describe.each([
  ['a shared socket', []],
  ['--reuse-port', ['--reuse-port']],
])('--workers 2 with %s', (_name, mode) => {
  it('only the workers answer; a killed worker is replaced; SIGTERM stops all with exit 0', async () => {
    const cli = start(['--workers', '2', ...mode]);
    const port = portOf(await cli.listening());
    const pids = await workerPids(cli);
    expect(pids).toHaveLength(2);
    expect(pids).not.toContain(String(cli.child.pid));
    const seen = await answers(port, 40);
    for (const pid of Object.keys(seen)) expect(pids).toContain(pid);
    if (mode.length > 0) {
      // SO_REUSEPORT spreads by a hash of the client's port: 40 connections reach both.
      expect(Object.keys(seen).sort()).toEqual([...pids].sort());
    }
    process.kill(Number(pids[0]), 'SIGKILL');
    await cli.stderrMatching(
      new RegExp(`worker 1 \\(pid ${pids[0]}\\) exited \\(SIGKILL\\); replacing it in 100 ms\\n`),
    );
    const [, replacement] = (await cli.stderrMatching(/worker 1: pid (\d+) ready\n/)) as string[];
    const after = await answers(port, 20);
    for (const pid of Object.keys(after)) expect([replacement, pids[1]]).toContain(pid);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toMatch(/stopping: 2 workers \(signal again to force\)\n/);
    await expect(oneRequest(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('--workers misuse', () => {
  it.each([
    [
      ['--unix', '/tmp/x.sock', '--workers', '2'],
      '--workers runs several TCP server processes: use it with --tcp HOST:PORT or --tcp fd:N',
    ],
    [
      ['--tcp', 'fd:3', '--reuse-port'],
      '--reuse-port binds a TCP address: use it with --tcp HOST:PORT',
    ],
    [
      ['--tcp', '127.0.0.1:0', '--workers', '0'],
      '--workers "0": expected a whole number of at least 1',
    ],
  ])('%j: exit 2, %s', async (args, message) => {
    const { code, stderr } = await runCli(['serve', ...args, './pid.mjs']);
    expect(code).toBe(2);
    expect(stderr).toBe(`sockserve: ${message}\n`);
  });

  it('a worker that cannot start (no such handler module): the supervisor stops, exit 2', async () => {
    const { code, stderr } = await runCli([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--workers',
      '2',
      './no-such-module.mjs',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot import handler module \.\/no-such-module\.mjs/);
    expect(stderr).toMatch(/sockserve: a worker exited before it was ready; stopping\n$/);
  });
});
