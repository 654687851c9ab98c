/**
 * `--fork per-request` and `--accept-in children|server` (issue 19): Python's process per
 * request from the command, with spares that accept connections themselves. The command's
 * own defaults that children accepting can't honour are dropped (`--max-per-client`) or
 * applied in the child (`--first-byte-timeout`); a conflicting flag given explicitly is a
 * usage error naming both flags.
 */
import { connectAndCollect } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';
import { HELP } from '../src/cli/help.js';
import { expectUsageErrors, parseServe as serve, usageError } from './cli-flags.js';
import { listeningCli } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe('the flags', () => {
  it('--help names both, and what --accept-in children drops', () => {
    expect(HELP).toMatch(/--fork MODE {12}with --processes: pool \(default; children are reused\)/);
    expect(HELP).toMatch(/--accept-in WHO {8}with --fork per-request: server \(default;/);
    expect(HELP).toMatch(/With children, --max-per-client's default is dropped/);
  });

  it('--fork per-request sets forking mode without the pool-only default of --requests-per-child', () => {
    expect(serve('--processes', '2', '--fork', 'per-request')).toMatchObject({
      strategy: { name: 'forking', count: 2, options: { mode: 'per-request' } },
      hardening: { maxPerClient: 64, firstByteTimeout: 10_000 },
    });
    const perRequest = serve('--processes', '2', '--fork', 'per-request');
    expect(perRequest.command === 'serve' && perRequest.strategy.options).not.toHaveProperty(
      'maxConcurrentPerChild',
    );
    expect(serve('--processes', '2', '--fork', 'pool')).toMatchObject({
      strategy: { options: { mode: 'pool', maxConcurrentPerChild: 256 } },
    });
  });

  it('--accept-in children drops the default --max-per-client and keeps the first-byte deadline', () => {
    expect(
      serve('--processes', '2', '--fork', 'per-request', '--accept-in', 'children'),
    ).toMatchObject({
      strategy: { options: { mode: 'per-request', acceptIn: 'children' } },
      hardening: { maxPerClient: 0, firstByteTimeout: 10_000 },
    });
    expect(
      serve(
        '--processes',
        '2',
        '--fork',
        'per-request',
        '--accept-in',
        'children',
        '--max-per-client',
        '0',
      ),
    ).toMatchObject({ hardening: { maxPerClient: 0 } });
    expect(
      serve('--processes', '2', '--fork', 'per-request', '--accept-in', 'server'),
    ).toMatchObject({
      strategy: { options: { acceptIn: 'server' } },
      hardening: { maxPerClient: 64 },
    });
  });

  it('a conflicting or misplaced flag is a usage error naming both flags', () => {
    const children = ['--processes', '2', '--fork', 'per-request', '--accept-in', 'children'];
    expectUsageErrors([
      [
        [...children, '--max-per-client', '8'],
        "--max-per-client and --accept-in children: the server never sees a client's connections to count them (0 turns the cap off); leave out one of them",
      ],
      [
        [...children, '--proxy-protocol', 'any'],
        '--proxy-protocol and --accept-in children: the child would have to read the PROXY header the server reads; leave out one of them',
      ],
      [
        [...children, '--min-spare', '0'],
        '--min-spare 0 and --accept-in children: children accept only as ready spares; give --min-spare 1 or more',
      ],
      [
        ['--processes', '2', '--fork', 'per-request', '--requests-per-child', '4'],
        '--requests-per-child and --fork per-request: a per-request child runs exactly one request, then exits; leave out --requests-per-child',
      ],
      [
        ['--processes', '2', '--fork', 'per-request', '--max-spare', '4'],
        '--max-spare and --fork per-request: a per-request child runs exactly one request, then exits; leave out --max-spare',
      ],
      [
        ['--processes', '2', '--accept-in', 'children'],
        '--accept-in sets who accepts for per-request children: use it with --processes N --fork per-request',
      ],
      [
        ['--processes', '2', '--fork', 'pool', '--accept-in', 'children'],
        '--accept-in sets who accepts for per-request children: use it with --processes N --fork per-request',
      ],
      [
        ['--threads', '2', '--fork', 'per-request'],
        '--fork sets how child processes serve requests: use it with --processes N',
      ],
      [['--processes', '2', '--fork', 'each'], '--fork "each": expected per-request or pool'],
      [
        ['--processes', '2', '--fork', 'per-request', '--accept-in', 'kids'],
        '--accept-in "kids": expected children or server',
      ],
    ]);
  });

  it('datagram transports are refused with --accept-in children', () => {
    const flags = ['--processes', '2', '--fork', 'per-request', '--accept-in', 'children'];
    expect(() => parseCommand(['serve', '--udp', '127.0.0.1:0', ...flags, 'h.mjs'])).toThrow(
      usageError(
        '--accept-in children: children accept stream connections (--tcp, --unix), not --udp',
      ),
    );
  });
});

/** One exchange on a fresh connection: the answer's text, read to the close. */
async function ask(port: number, line: string): Promise<string> {
  const client = await connectAndCollect(port, {
    track: (socket) => teardown.add(() => socket.destroy()),
  });
  client.socket.end(line);
  return client.closed();
}

describe('sockserve serve --processes 2 --fork per-request --accept-in children', () => {
  it('serves each connection in a fresh child, and the first-byte deadline closes a silent one in the child', async () => {
    const { cli, port } = await listeningCli(teardown, [
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--processes',
      '2',
      '--fork',
      'per-request',
      '--accept-in',
      'children',
      '--first-byte-timeout',
      '300',
      './pid.mjs',
    ]);
    const first = Number(await ask(port, 'a\n'));
    const second = Number(await ask(port, 'b\n'));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    expect(new Set([first, second, cli.child.pid]).size).toBe(3);
    // A client that says nothing: a child accepted it, so the deadline runs in the child's
    // handler, whose read ends as at end of stream (pid.mjs then answers anyway) — held in
    // the server instead, it would be closed unanswered.
    const silent = await connectAndCollect(port, {
      track: (socket) => teardown.add(() => socket.destroy()),
    });
    const heard = await silent.closed();
    expect([first, second, cli.child.pid]).not.toContain(Number(heard));
    expect(Number(heard)).toBeGreaterThan(0);
    // Nothing else lost: the next client is answered by yet another child.
    const third = Number(await ask(port, 'c\n'));
    expect([first, second, Number(heard), cli.child.pid]).not.toContain(third);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
