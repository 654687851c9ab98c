/** Every start-up problem: one line on stderr naming it, nothing on stdout, exit code 2. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.js';

let occupied: Server | undefined;
afterEach(async () => {
  if (occupied !== undefined) await new Promise((resolve) => occupied?.close(resolve));
  occupied = undefined;
});

const cases: Array<[string, string[], string]> = [
  [
    'an address without a port',
    ['--tcp', 'localhost', './echo.mjs'],
    'sockserve: --tcp "localhost": no port (expected HOST:PORT, e.g. 127.0.0.1:8000, [::1]:8000 or :8000)',
  ],
  [
    'a port out of range',
    ['--tcp', '127.0.0.1:70000', './echo.mjs'],
    'sockserve: --tcp "127.0.0.1:70000": port 70000 is out of range (0 to 65535)',
  ],
  [
    'a port that is not a number',
    ['--udp', '127.0.0.1:http', './datagram.mjs#DatagramUpper'],
    'sockserve: --udp "127.0.0.1:http": port "http" is not a number',
  ],
  [
    'an IPv6 host without brackets',
    ['--tcp', '::1:8000', './echo.mjs'],
    'sockserve: --tcp "::1:8000": an IPv6 host goes in brackets, e.g. [::1]:8000',
  ],
  [
    'a module with no handler (its exports listed)',
    ['--tcp', '127.0.0.1:0', './no-handler.mjs'],
    'sockserve: ./no-handler.mjs has no request handler: no default export and no exported class extending BaseRequestHandler (exports: answer, helper)',
  ],
  [
    'a module that throws while imported',
    ['--tcp', '127.0.0.1:0', './broken.mjs'],
    'sockserve: cannot import handler module ./broken.mjs: Error: broken on purpose',
  ],
  [
    'a module that does not exist',
    ['--tcp', '127.0.0.1:0', './missing.mjs'],
    'sockserve: cannot import handler module ./missing.mjs: no such file',
  ],
  [
    'a missing export',
    ['--tcp', '127.0.0.1:0', './one-handler.mjs#Nope'],
    'sockserve: ./one-handler.mjs has no export named "Nope" (exports: Shout, greeting, shout)',
  ],
  [
    'several handler classes',
    ['--udp', '127.0.0.1:0', './datagram.mjs'],
    'sockserve: ./datagram.mjs exports several request handler classes (DatagramLower, DatagramUpper); choose one: ./datagram.mjs#DatagramLower',
  ],
  [
    'a datagram handler on a stream transport',
    ['--tcp', '127.0.0.1:0', './datagram.mjs#DatagramUpper'],
    'sockserve: DatagramUpper (./datagram.mjs#DatagramUpper) is a DatagramRequestHandler: serve it with --udp or --unix-dgram',
  ],
  [
    'no address',
    ['./echo.mjs'],
    'sockserve: no address given: use one of --tcp HOST:PORT, --udp HOST:PORT, --unix PATH, --unix-dgram PATH, --systemd NAME',
  ],
  [
    'two addresses',
    ['--tcp', '127.0.0.1:0', '--udp', '127.0.0.1:0', './echo.mjs'],
    'sockserve: give one address, not --tcp and --udp',
  ],
  [
    'two strategies',
    ['--tcp', '127.0.0.1:0', '--async', '--threads', '2', './echo.mjs'],
    'sockserve: choose one of --async, --threads',
  ],
  [
    'a bad thread count',
    ['--tcp', '127.0.0.1:0', '--threads', '0', './echo.mjs'],
    'sockserve: --threads "0": expected a whole number of at least 1',
  ],
  [
    'no handler module',
    ['--tcp', '127.0.0.1:0'],
    'sockserve: no handler module given: sockserve serve … MODULE[#ExportName]',
  ],
  [
    'an unknown option',
    ['--tpc', '127.0.0.1:0', './echo.mjs'],
    'sockserve: unknown option --tpc (see sockserve --help)',
  ],
];

describe('sockserve serve fails clearly', () => {
  it.each(cases)('%s', async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(['serve', ...args]);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });

  it('a port in use: EADDRINUSE naming the address', async () => {
    occupied = createServer();
    occupied.listen(0, '127.0.0.1');
    await once(occupied, 'listening');
    const { port } = occupied.address() as { port: number };
    const { code, stdout, stderr } = await runCli([
      'serve',
      '--tcp',
      `127.0.0.1:${port}`,
      './echo.mjs',
    ]);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `sockserve: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n`,
    });
  });

  it('an unknown command', async () => {
    const { code, stderr } = await runCli(['start']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'sockserve: unknown command "start"; the command is "serve" (see sockserve --help)\n',
    );
  });
});

describe('sockserve --help and --version', () => {
  it('--help prints usage with examples and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: sockserve serve ADDRESS/);
    expect(stdout).toContain('Examples:\n  sockserve serve --tcp 127.0.0.1:8000 ./echo.mjs');
    for (const option of [
      '--tcp',
      '--udp',
      '--unix',
      '--unix-dgram',
      '--async',
      '--threads',
      '--processes',
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it('serve --help prints the same', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: sockserve serve/);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
