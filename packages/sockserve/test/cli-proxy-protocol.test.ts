/**
 * `sockserve serve --proxy-protocol`: the command behind a real HAProxy gives any handler
 * module the real client as `this.clientAddress`; bad flag values are usage errors naming the
 * flag, before anything listens.
 */

import { startHaproxy } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';
import { askLine } from './proxy-servers.ts';

const teardown = new Teardown();
afterEach(() => teardown.run());

function start(args: readonly string[]): CliProcess {
  const cli = new CliProcess(['serve', ...args]);
  teardown.add(() => cli.stop('SIGKILL'));
  return cli;
}

const READ_HERE = ['--proxy-protocol', '127.0.0.1,::1', '--proxy-header-timeout', '2000'];
/** Read in the worker or child; first bytes not awaited, so the socket moves before any byte. */
const READ_IN_RUNNER = [
  '--first-byte-timeout',
  '0',
  '--proxy-protocol',
  '127.0.0.1',
  '--proxy-protocol-in',
  'runner',
];

it.each([
  [['--async', ...READ_HERE]],
  [['--threads', '2', ...READ_HERE]],
  [['--processes', '2', ...READ_HERE]],
  [['--threads', '2', ...READ_IN_RUNNER]],
  [['--processes', '2', ...READ_IN_RUNNER]],
])('--tcp %j behind HAProxy: the handler sees the real client', async (flags) => {
  const cli = start(['--tcp', '127.0.0.1:0', ...flags, './client-address.mjs']);
  const port = portOf(await cli.listening());
  const haproxy = await startHaproxy([
    { name: 'front', upstream: { host: '127.0.0.1', port }, serverOptions: 'send-proxy-v2' },
  ]);
  teardown.add(() => haproxy.stop());
  const { line, local } = await askLine(haproxy.ports.front as number, 'who\n');
  expect(line).toBe(`127.0.0.1:${local} v2 who\n`);
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
});

it.each([
  [['--tcp', '127.0.0.1:0', '--proxy-protocol-in', 'runner'], /needs --proxy-protocol/],
  [
    ['--tcp', '127.0.0.1:0', '--proxy-protocol', 'any', '--proxy-protocol-in', 'worker'],
    /--proxy-protocol-in "worker"/,
  ],
  [
    ['--udp', '127.0.0.1:0', '--proxy-protocol', 'any', '--proxy-protocol-in', 'runner'],
    /stream servers/,
  ],
  [['--tcp', '127.0.0.1:0', '--proxy-protocol', '10.0.0.1/'], /--proxy-protocol "10.0.0.1\/"/],
  [['--tcp', '127.0.0.1:0', '--proxy-protocol', ''], /--proxy-protocol ""/],
  [['--unix', '/tmp/x.sock', '--proxy-protocol', '127.0.0.1'], /with --unix write "any"/],
  [['--tcp', '127.0.0.1:0', '--proxy-header-timeout', '100'], /needs --proxy-protocol/],
  [['--tcp', '127.0.0.1:0', '--proxy-protocol', 'any', '--proxy-header-timeout', '0'], /above 0/],
  [
    ['--udp', '127.0.0.1:0', '--proxy-protocol', 'any', '--proxy-header-timeout', '5'],
    /stream servers/,
  ],
])('%j is a usage error naming the flag', async (args, message) => {
  const cli = start([...args, './client-address.mjs']);
  expect((await cli.exited).code).toBe(2);
  expect(cli.stderr).toMatch(message);
  expect(cli.stdout).toBe('');
});
