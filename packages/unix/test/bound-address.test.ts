/**
 * The bound address is the real path (issue 12, item 4): `serverAddress`, the listening
 * socket's `address()`, a client's `getpeername()` and a datagram reply's sender all name the
 * path clients use — Python's `server_address == socket.getsockname()` — with `mode` in force.
 * (Bound in a private directory and renamed into place, they named a directory that no longer
 * existed.)
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DatagramEchoHandler, EchoLineHandler } from '@sockserve/conformance';
import { afterEach, expect, it } from 'vitest';
import { UnixDatagramServer, UnixStreamServer } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const path = tempSocketPaths();
const open: Array<UnixStreamServer | UnixDatagramServer> = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    await server.shutdown();
    await server.serverClose();
  }
});

function python(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script, ...args], { timeout: 10_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** The process umask, read without changing it (Linux). */
function umask(): string {
  return /^Umask:\s*(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '?';
}

it('a stream server with mode: serverAddress, address() and the peer name are the real path', async () => {
  const before = umask();
  const p = path();
  const server = await UnixStreamServer.create(p, EchoLineHandler, { mode: 0o600 });
  open.push(server);
  server.serveForever().catch(() => {});
  expect(umask()).toBe(before);
  expect(lstatSync(p).mode & 0o777).toBe(0o600);
  expect(server.serverAddress).toEqual({ family: 'unix', path: p });
  expect(server.socket?.address()).toBe(p);
  const peer = await python(
    'import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\nprint(s.getpeername())\ns.sendall(b"x\\n")\ns.recv(10)',
    p,
  );
  expect(peer.trim()).toBe(p);
});

it('a mode wider than the umask is applied exactly', async () => {
  const p = path();
  const server = await UnixStreamServer.create(p, EchoLineHandler, { mode: 0o666 });
  open.push(server);
  expect(lstatSync(p).mode & 0o777).toBe(0o666);
  expect(server.socket?.address()).toBe(p);
});

it('a datagram server with mode replies from the real path', async () => {
  const p = path();
  const server = await UnixDatagramServer.create(p, DatagramEchoHandler, { mode: 0o600 });
  open.push(server);
  server.serveForever().catch(() => {});
  expect(lstatSync(p).mode & 0o777).toBe(0o600);
  const reply = await python(
    'import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[2])\ns.sendto(b"who", sys.argv[1])\ndata, addr = s.recvfrom(100)\nprint(data.decode(), addr)',
    p,
    path('client.sock'),
  );
  expect(reply.trim()).toBe(`who ${p}`);
});

it('mode in a worker thread (which cannot set the umask) is an UnsupportedError, leaving no file', async () => {
  const p = path();
  const worker = new Worker(new URL('./fixtures/mode-in-worker.ts', import.meta.url), {
    workerData: p,
  });
  const [code] = await once(worker, 'message');
  await worker.terminate();
  expect(code).toBe('ERR_SOCKSERVE_UNSUPPORTED');
  expect(existsSync(p)).toBe(false);
});
