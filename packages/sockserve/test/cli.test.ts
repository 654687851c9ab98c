/**
 * The `sockserve` command end to end: a real child process, real clients on loopback (port 0)
 * or in a temp dir, SIGTERM / SIGINT for a graceful stop with exit code 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient, udpClient } from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { removeTempDirs, Teardown, tempDir, unixDgramClient } from './helpers.js';

const teardown = new Teardown();
afterEach(async () => {
  await teardown.run();
  removeTempDirs();
});

/** All a graceful stop prints: one line (a client closed just before may still count as running). */
const STOPPING_ONLY = /^stopping: \d+ running \(signal again to force\)\n$/;

function start(args: readonly string[]): CliProcess {
  const cli = new CliProcess(['serve', ...args]);
  teardown.add(() => cli.stop('SIGKILL'));
  return cli;
}

async function lineClient(address: Parameters<typeof LineClient.connect>[0]): Promise<LineClient> {
  const client = await LineClient.connect(address);
  teardown.add(() => client.close());
  return client;
}

describe('sockserve serve', () => {
  it('--tcp: one listening line, a real exchange, SIGTERM exits 0', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', './echo.mjs']);
    const address = await cli.listening();
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const client = await lineClient({ family: 'IPv4', host: '127.0.0.1', port: portOf(address) });
    client.write('hello\n');
    expect(await client.line()).toBe('hello from main\n');
    client.write('again\n');
    expect(await client.line()).toBe('again from main\n');
    client.close();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toBe(`listening on ${address}\n`);
    expect(cli.stderr).toMatch(STOPPING_ONLY);
  });

  it('--tcp [::1]:0 --async: IPv6 address format, the one handler class of a module, SIGINT exits 0', async () => {
    const cli = start(['--tcp', '[::1]:0', '--async', './one-handler.mjs']);
    const address = await cli.listening();
    expect(address).toMatch(/^\[::1\]:\d+$/);
    const client = await lineClient({ family: 'IPv6', host: '::1', port: portOf(address) });
    client.write('shout\n');
    expect(await client.line()).toBe('SHOUT\n');
    expect(await cli.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toBe(`listening on ${address}\n`);
  });

  it('--threads 2: handlers run in worker threads, two clients at once', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', '--threads', '2', './echo.mjs']);
    const port = portOf(await cli.listening());
    const a = await lineClient({ family: 'IPv4', host: '127.0.0.1', port });
    const b = await lineClient({ family: 'IPv4', host: '127.0.0.1', port });
    a.write('one\n');
    b.write('two\n');
    expect(await a.line()).toMatch(/^one from worker [12]\n$/);
    expect(await b.line()).toMatch(/^two from worker [12]\n$/);
    a.close();
    b.close();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toMatch(STOPPING_ONLY);
  });

  it('--processes 2: handlers run in child processes', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', '--processes', '2', './pid.mjs']);
    const port = portOf(await cli.listening());
    const client = await lineClient({ family: 'IPv4', host: '127.0.0.1', port });
    client.write('pid?\n');
    const pid = Number(await client.line());
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(cli.child.pid);
    client.close();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toMatch(STOPPING_ONLY);
  });

  it('--udp with #ExportName', async () => {
    const cli = start(['--udp', '127.0.0.1:0', './datagram.mjs#DatagramUpper']);
    const port = portOf(await cli.listening());
    const client = await udpClient({ family: 'IPv4', host: '127.0.0.1', port });
    teardown.add(() => client.close());
    await client.send('quiet');
    expect((await client.receive()).toString()).toBe('QUIET');
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('--unix: the path as address; the socket file is gone after SIGTERM', async () => {
    const path = join(tempDir(), 'echo.sock');
    const cli = start(['--unix', path, './echo.mjs']);
    expect(await cli.listening()).toBe(path);
    const client = await lineClient({ family: 'unix', path });
    client.write('local\n');
    expect(await client.line()).toBe('local from main\n');
    client.close();
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(path)).toBe(false);
  });

  it('--unix-dgram with --threads 2', async () => {
    const path = join(tempDir(), 'dgram.sock');
    const cli = start(['--unix-dgram', path, '--threads', '2', './datagram.mjs#DatagramLower']);
    expect(await cli.listening()).toBe(path);
    const client = unixDgramClient(path);
    teardown.add(() => client.close());
    await client.send('LOUD');
    expect((await client.receive()).toString()).toBe('loud');
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
