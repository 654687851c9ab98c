/**
 * The servers adopt an inherited socket directly (no systemd): a child node gets the socket
 * in stdio slot 3 with LISTEN_FDS=1 and LISTEN_PID set to its own pid (`sh -c 'exec …'` keeps
 * the pid), the way a service manager passes it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Teardown } from '@sockserve/test-support';
import { afterEach, expect, test } from 'vitest';
import { FIXTURES } from './cli-process.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

/** The descriptor behind a listening `net.Server` (libuv's handle). */
function fdOf(server: Server): number {
  return (server as unknown as { _handle: { fd: number } })._handle.fd;
}

/**
 * Binds a listening Unix socket at `path` in python3, puts it on fd 3 and execs the fixture:
 * no copy of the socket stays in another process (this one's would accept connections too,
 * and closing a Node pipe server unlinks its file).
 */
const BIND_AND_EXEC = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen()
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)  # dup2 onto itself (the socket may be fd 3) keeps close-on-exec
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
`;

/** Starts the fixture with `fd` as its fd 3 (or, with `unixPath`, a socket bound there); `report` waits for its JSON lines. */
function adopt(kind: string, fd: number | { unixPath: string }) {
  const fixture = [process.execPath, 'inherited-server.mjs', kind];
  const child: ChildProcess =
    typeof fd === 'number'
      ? spawn('sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', ...fixture], {
          cwd: FIXTURES,
          stdio: ['ignore', 'pipe', 'inherit', fd],
          env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'app' },
        })
      : spawn('python3', ['-c', BIND_AND_EXEC, fd.unixPath, ...fixture], {
          cwd: FIXTURES,
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, LISTEN_FDS: '1', LISTEN_FDNAMES: 'app' },
        });
  const waiters: Array<() => void> = [];
  const exited = new Promise((resolve) =>
    child.once('close', (code) => {
      resolve(code);
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  teardown.add(() => {
    child.kill('SIGKILL');
    return exited;
  });
  const reports: Array<Record<string, unknown>> = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    reports.push(...lines.map((line) => JSON.parse(line)));
    for (const wake of waiters.splice(0)) wake();
  });
  const report = async (key: string) => {
    for (;;) {
      const found = reports.find((entry) => key in entry);
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`the child ended without "${key}"`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { child, report, exited };
}

async function listening(server: Server, options: object): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(options, resolve));
  teardown.add(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

function ask(
  options: { port: number; host: string } | { path: string },
  line: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(options as never);
    let reply = '';
    socket.setEncoding('utf8').on('data', (text: string) => (reply += text));
    socket.once('error', reject);
    socket.once('end', () => resolve(reply));
    socket.end(line);
  });
}

test('TCPServer.create({ fd: 3 }) serves the inherited listener at its real address; listenFds() described it and cleared the environment', async () => {
  const parent = await listening(createServer(), { host: '127.0.0.1', port: 0 });
  const { port } = parent.address() as { port: number };
  const { report } = adopt('tcp', fdOf(parent));
  const { sockets, leftInEnvironment } = (await report('sockets')) as {
    sockets: unknown[];
    leftInEnvironment: unknown;
  };
  expect(sockets).toEqual([
    {
      fd: 3,
      name: 'app',
      kind: 'tcp',
      listening: true,
      address: { family: 'IPv4', host: '127.0.0.1', port },
      what: `a listening TCP socket on 127.0.0.1:${port}`,
    },
  ]);
  expect(leftInEnvironment).toBe(null);
  expect(await report('address')).toEqual({ address: { family: 'IPv4', host: '127.0.0.1', port } });
  // Only the child accepts from now on.
  await new Promise((resolve) => parent.close(resolve));
  expect(await ask({ host: '127.0.0.1', port }, 'one\n')).toBe('one from main\n');
});

test('UnixStreamServer adopts an inherited socket and never unlinks a file it did not create', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-inherit-'));
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.sock');
  const { child, report, exited } = adopt('unix', { unixPath: path });
  expect(await report('address')).toEqual({ address: { family: 'unix', path } });
  expect(await ask({ path }, 'two\n')).toBe('two from main\n');
  child.kill('SIGTERM');
  await report('closed');
  await exited;
  expect(existsSync(path)).toBe(true);
});

test('UDPServer adopts an inherited UDP socket', async () => {
  const parent = createSocket('udp4');
  await new Promise<void>((resolve) => parent.bind(0, '127.0.0.1', resolve));
  let parentOpen = true;
  teardown.add(() =>
    parentOpen ? new Promise<void>((resolve) => parent.close(() => resolve())) : 0,
  );
  const { port } = parent.address();
  const state = Object.getOwnPropertySymbols(parent).find((s) => s.description === 'state symbol');
  // dgram keeps its handle behind the internal 'state symbol' (as UdpTransport.fileno reads it).
  const handles = parent as unknown as Record<symbol, { handle: { fd: number } }>;
  const fd = (handles[state as symbol] as { handle: { fd: number } }).handle.fd;
  const { report } = adopt('udp', fd);
  expect(await report('address')).toEqual({
    address: { family: 'IPv4', host: '127.0.0.1', port },
  });
  // The parent's copy reads too: close it so only the child's receives.
  await new Promise<void>((resolve) => parent.close(() => resolve()));
  parentOpen = false;
  const client = createSocket('udp4');
  teardown.add(() => new Promise<void>((resolve) => client.close(() => resolve())));
  const reply = new Promise<string>((resolve) =>
    client.once('message', (data) => resolve(data.toString())),
  );
  client.send('three', port, '127.0.0.1');
  expect(await reply).toBe('THREE');
});

test('a descriptor of the wrong kind is an InheritedDescriptorError naming it and what it is', async () => {
  const parent = await listening(createServer(), { host: '127.0.0.1', port: 0 });
  const { port } = parent.address() as { port: number };
  const { report } = adopt('udp', fdOf(parent));
  expect(await report('error')).toEqual({
    error: 'ERR_SOCKSERVE_INHERITED_DESCRIPTOR',
    message: `fd 3 is a listening TCP socket on 127.0.0.1:${port}; UDPServer needs a UDP socket`,
  });
  // The parent's listener is untouched.
  expect(parent.listening).toBe(true);
});

test('a regular file on fd 3 is refused by name, not with EINVAL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-inherit-'));
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  const fd = openSync(join(dir, 'plain'), 'w');
  teardown.add(() => closeSync(fd));
  const { report } = adopt('tcp', fd);
  expect(await report('error')).toEqual({
    error: 'ERR_SOCKSERVE_INHERITED_DESCRIPTOR',
    message: 'fd 3 is a regular file; TCPServer needs a listening TCP socket',
  });
});
