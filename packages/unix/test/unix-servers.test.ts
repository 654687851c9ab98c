/**
 * Unix-specific behaviour with real peers (Python's AF_UNIX sockets): socket files (stale,
 * live, foreign, mode, removal), path limits, unanswerable datagram senders.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { DatagramEchoHandler, EchoLineHandler, exchange } from '@sockserve/conformance';
import { BindError, type DatagramRequest } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_UNIX_PATH_BYTES, UnixDatagramServer, UnixStreamServer } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const path = tempSocketPaths();
const open: Array<UnixStreamServer | UnixDatagramServer> = [];
afterEach(async () => {
  for (const server of open.splice(0)) await server.serverClose();
});

function python(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script, ...args], { timeout: 10_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Leaves a socket file with nobody bound to it, as a killed process does. */
const STALE =
  'import socket,sys\ns=socket.socket(socket.AF_UNIX, int(sys.argv[2]))\ns.bind(sys.argv[1])';

async function serving<T extends UnixStreamServer | UnixDatagramServer>(server: T): Promise<T> {
  open.push(server);
  await server.ready;
  server.serveForever().catch(() => {});
  return server;
}

describe('socket files', () => {
  it('replaces a stale socket file left by a dead process', async () => {
    const p = path();
    await python(STALE, p, '1');
    expect(lstatSync(p).isSocket()).toBe(true);
    const server = await serving(new UnixStreamServer(p, EchoLineHandler));
    expect((await exchange(server.serverAddress, 'fresh\n')).toString()).toBe('fresh\n');
  });

  it('replaces a stale datagram socket file too', async () => {
    const p = path();
    await python(STALE, p, '2');
    await serving(new UnixDatagramServer(p, DatagramEchoHandler));
  });

  it('a live server on the path is EADDRINUSE naming the path, and the live one keeps serving', async () => {
    const p = path();
    const live = await serving(new UnixStreamServer(p, EchoLineHandler));
    const error = await UnixStreamServer.create(p, EchoLineHandler).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BindError);
    expect(error).toMatchObject({ syscallCode: 'EADDRINUSE', message: expect.stringContaining(p) });
    expect((await exchange(live.serverAddress, 'still\n')).toString()).toBe('still\n');
  });

  it('a live datagram server on the path is EADDRINUSE too', async () => {
    const p = path();
    await serving(new UnixDatagramServer(p, DatagramEchoHandler));
    const error = await UnixStreamServer.create(p, EchoLineHandler).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_BIND', syscallCode: 'EADDRINUSE' });
  });

  it('a regular file on the path is left alone', async () => {
    const p = path();
    writeFileSync(p, 'precious');
    const error = await UnixStreamServer.create(p, EchoLineHandler).catch((e: unknown) => e);
    expect(error).toMatchObject({
      syscallCode: 'EADDRINUSE',
      message: expect.stringContaining('is not a socket'),
    });
    expect(lstatSync(p).isFile()).toBe(true);
  });

  it('mode is applied to the socket file', async () => {
    const p = path();
    const server = await serving(new UnixStreamServer(p, EchoLineHandler, { mode: 0o600 }));
    expect(lstatSync(p).mode & 0o777).toBe(0o600);
    expect((await exchange(server.serverAddress, 'mode\n')).toString()).toBe('mode\n');
    const dgram = path();
    await serving(new UnixDatagramServer(dgram, DatagramEchoHandler, { mode: 0o640 }));
    expect(lstatSync(dgram).mode & 0o777).toBe(0o640);
  });

  it('serverClose removes the file it created, and no other', async () => {
    const p = path();
    const server = await UnixStreamServer.create(p, EchoLineHandler);
    await server.serverClose();
    expect(existsSync(p)).toBe(false);
    const replaced = await UnixDatagramServer.create(p, DatagramEchoHandler);
    // Someone else replaces the file while the server runs: closing must not remove theirs.
    await python(
      'import os,socket,sys\nos.unlink(sys.argv[1])\ns=socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])',
      p,
    );
    await replaced.serverClose();
    expect(lstatSync(p).isSocket()).toBe(true);
  });

  it('a missing directory is a BindError with ENOENT', async () => {
    const p = join(dirname(path()), 'missing', 'server.sock');
    for (const make of [
      () => UnixStreamServer.create(p, EchoLineHandler),
      () => UnixDatagramServer.create(p, DatagramEchoHandler),
    ]) {
      const error = await make().catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'ERR_SOCKSERVE_BIND',
        syscallCode: 'ENOENT',
        message: expect.stringContaining(p),
      });
    }
  });

  it('a directory without write permission is a BindError with EACCES', async () => {
    const dir = join(dirname(path()), 'readonly');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const p = join(dir, 'server.sock');
    // Root ignores permissions: drop the effective uid for the attempt, as a service user would be.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) process.seteuid?.(65534);
    try {
      for (const make of [
        () => UnixStreamServer.create(p, EchoLineHandler),
        () => UnixDatagramServer.create(p, DatagramEchoHandler),
      ]) {
        const error = await make().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_BIND', syscallCode: 'EACCES' });
      }
    } finally {
      if (asRoot) process.seteuid?.(0);
    }
  });
});

describe('paths', () => {
  it(`refuses a path longer than ${MAX_UNIX_PATH_BYTES} bytes, naming the limit`, () => {
    const long = `/tmp/${'x'.repeat(120)}.sock`;
    expect(() => new UnixStreamServer(long, EchoLineHandler)).toThrow(
      `option "serverAddress" must be at most 107 bytes long (sun_path holds 108 bytes with the terminating NUL); this one has ${Buffer.byteLength(long)}`,
    );
    expect(() => new UnixDatagramServer(long, DatagramEchoHandler)).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION' }),
    );
  });

  it('serves on a Linux abstract name, which leaves no file', async () => {
    const name = `\0sockserve-abstract-${process.pid}-${Date.now()}`;
    const server = await serving(new UnixStreamServer(name, EchoLineHandler));
    expect(server.serverAddress).toEqual({ family: 'unix', path: name });
    const reply = await python(
      'import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1].encode().replace(b"@", b"\\0", 1))\ns.sendall(b"abstract\\n")\nprint(s.recv(100).decode(), end="")',
      `@${name.slice(1)}`,
    );
    expect(reply).toBe('abstract\n');
  });

  it('refuses mode for an abstract name and abstract names for datagrams', () => {
    expect(() => new UnixStreamServer('\0x', EchoLineHandler, { mode: 0o600 })).toThrow(
      expect.objectContaining({ option: 'mode' }),
    );
    expect(() => new UnixDatagramServer('\0x', DatagramEchoHandler)).toThrow(
      'cannot bind abstract names',
    );
  });
});

describe('UnixDatagramServer senders', () => {
  /** Records what it saw; replies with the packet. */
  class RecordingHandler extends DatagramRequestHandler {
    static seen: Array<{ path: string; canReply: boolean; data: string }> = [];
    override handle(): Promise<void> {
      const request = this.request as DatagramRequest;
      RecordingHandler.seen.push({
        path: this.clientAddress.family === 'unix' ? this.clientAddress.path : '?',
        canReply: request.canReply,
        data: this.packet.toString(),
      });
      return this.wfile.write(this.packet);
    }
  }

  it('an unbound sender is handled but not answered, and nothing is reported as an error', async () => {
    RecordingHandler.seen = [];
    const server = await serving(new UnixDatagramServer(path(), RecordingHandler));
    const handleError = vi.spyOn(server, 'handleError');
    await python(
      'import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.sendto(b"anonymous", sys.argv[1])',
      server.path,
    );
    await vi.waitFor(
      () =>
        expect(RecordingHandler.seen).toEqual([{ path: '', canReply: false, data: 'anonymous' }]),
      { timeout: 10_000 },
    );
    expect(handleError).not.toHaveBeenCalled();
  });

  it("answers a bound sender at its path (Python's AF_UNIX datagram client)", async () => {
    RecordingHandler.seen = [];
    const server = await serving(new UnixDatagramServer(path(), RecordingHandler));
    const clientPath = path('client.sock');
    const reply = await python(
      'import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[2])\ns.sendto(b"bound", sys.argv[1])\ndata, addr = s.recvfrom(100)\nprint(data.decode(), addr)',
      server.path,
      clientPath,
    );
    expect(reply.trim()).toBe(`bound ${server.path}`);
    expect(RecordingHandler.seen).toEqual([{ path: clientPath, canReply: true, data: 'bound' }]);
  });

  it('a datagram cut by the addon at 64 KiB counts as oversized', async () => {
    const server = await serving(new UnixDatagramServer(path(), RecordingHandler));
    await python(
      'import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 262144)\ns.sendto(b"z"*100000, sys.argv[1])',
      server.path,
    );
    await vi.waitFor(() => expect(server.stats.oversized).toBe(1), { timeout: 10_000 });
  });
});

it('a stream client connects to a server created with a path object', async () => {
  const p = path();
  const server = await serving(new UnixStreamServer({ path: p }, EchoLineHandler));
  server.handleError = () => {}; // the client leaves without a line: the echo's write fails
  const socket = connect({ path: p });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.destroy();
  expect(server.serverAddress.path).toBe(p);
});
