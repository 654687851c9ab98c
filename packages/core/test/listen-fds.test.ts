import { createSocket } from 'node:dgram';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Teardown } from '@sockserve/test-support';
import { afterEach, describe, expect, test } from 'vitest';
import { describeDescriptor, InvalidOptionError, listenFds } from '../src/index.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

function fdOf(server: Server): number {
  return (server as unknown as { _handle: { fd: number } })._handle.fd;
}

async function listening(options: object): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options, resolve));
  teardown.add(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

describe('describeDescriptor', () => {
  test('a listening TCP socket, IPv4 and IPv6, with its bound address', async () => {
    const v4 = await listening({ host: '127.0.0.1', port: 0 });
    const port4 = (v4.address() as { port: number }).port;
    expect(describeDescriptor(fdOf(v4))).toEqual({
      fd: fdOf(v4),
      kind: 'tcp',
      listening: true,
      address: { family: 'IPv4', host: '127.0.0.1', port: port4 },
      what: `a listening TCP socket on 127.0.0.1:${port4}`,
    });
    const v6 = await listening({ host: '::1', port: 0 });
    const port6 = (v6.address() as { port: number }).port;
    expect(describeDescriptor(fdOf(v6))).toMatchObject({
      kind: 'tcp',
      address: { family: 'IPv6', host: '::1', port: port6 },
      what: `a listening TCP socket on [::1]:${port6}`,
    });
  });

  test('a UDP socket, a listening Unix socket, a file, a closed descriptor', async () => {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    teardown.add(() => new Promise<void>((resolve) => udp.close(() => resolve())));
    const state = Object.getOwnPropertySymbols(udp).find((s) => s.description === 'state symbol');
    const handles = udp as unknown as Record<symbol, { handle: { fd: number } }>;
    const udpFd = (handles[state as symbol] as { handle: { fd: number } }).handle.fd;
    expect(describeDescriptor(udpFd)).toMatchObject({
      kind: 'udp',
      what: `a UDP socket bound to 127.0.0.1:${udp.address().port}`,
    });

    const dir = mkdtempSync(join(tmpdir(), 'sockserve-fds-'));
    teardown.add(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 's.sock');
    const unix = await listening({ path });
    expect(describeDescriptor(fdOf(unix))).toEqual({
      fd: fdOf(unix),
      kind: 'unix-stream',
      listening: true,
      address: { family: 'unix', path },
      what: `a listening Unix stream socket bound to ${path}`,
    });

    const file = openSync(join(dir, 'plain'), 'w');
    closeSync(file);
    expect(describeDescriptor(file)).toMatchObject({ kind: 'closed' });
    const open = openSync(join(dir, 'plain'), 'r');
    teardown.add(() => closeSync(open));
    expect(describeDescriptor(open)).toEqual({
      fd: open,
      kind: 'not-socket',
      what: 'a regular file',
    });
  });
});

describe('listenFds', () => {
  test('reads LISTEN_* meant for this process and removes them', () => {
    const env: NodeJS.ProcessEnv = {
      LISTEN_FDS: '2',
      LISTEN_PID: String(process.pid),
      LISTEN_FDNAMES: 'web:',
      OTHER: 'kept',
    };
    const fds = listenFds({ env });
    expect(fds.map(({ fd, name }) => ({ fd, name }))).toEqual([
      { fd: 3, name: 'web' },
      { fd: 4, name: 'unknown' },
    ]);
    expect(env).toEqual({ OTHER: 'kept' });
  });

  test('another LISTEN_PID (leaked from a parent) or no LISTEN_FDS: none, and still removed', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: String(process.pid + 1) };
    expect(listenFds({ env })).toEqual([]);
    expect(env).toEqual({});
    expect(listenFds({ env: {} })).toEqual([]);
    const kept: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '1' };
    listenFds({ env: kept, unsetEnvironment: false });
    expect(kept).toEqual({ LISTEN_FDS: '1', LISTEN_PID: '1' });
  });

  test('a LISTEN_FDS that is not a count is an InvalidOptionError', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: 'x', LISTEN_PID: String(process.pid) };
    expect(() => listenFds({ env })).toThrow(InvalidOptionError);
    expect(() => listenFds({ env: { LISTEN_FDS: 'x', LISTEN_PID: String(process.pid) } })).toThrow(
      'option "LISTEN_FDS" must be a count of descriptors; received "x"',
    );
  });
});
