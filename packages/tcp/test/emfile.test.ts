/**
 * Accept errors: a server out of file descriptors (EMFILE) keeps running and serves again as
 * soon as descriptors free up — instead of crashing or spinning (the
 * tokio#3529 / libuv#690 class of bug). The server runs in a child process with `ulimit -n 64`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { exchange } from '@sockserve/conformance';
import { afterEach, expect, it } from 'vitest';

let child: ChildProcess | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

it('EMFILE: the server survives and serves again once descriptors free up', async () => {
  const script = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));
  child = spawn('bash', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${script}"`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const output: string[] = [];
  const port = await new Promise<number>((resolve) =>
    lines.on('line', (line) => {
      output.push(line);
      if (line.startsWith('listening on ')) resolve(Number(line.split(':').pop()));
    }),
  );
  // Far more connections than the server has descriptors for.
  const outcomes = await Promise.all(
    Array.from({ length: 120 }, async () => {
      const socket = connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      socket.on('error', () => {});
      await once(socket, 'connect').catch(() => {});
      return socket;
    }),
  );
  expect(outcomes).toHaveLength(120);
  expect(child.exitCode).toBeNull();
  // Free the descriptors: every client goes away; the server must serve again.
  for (const socket of sockets.splice(0)) socket.destroy();
  let reply = '';
  for (let attempt = 0; attempt < 50 && reply !== 'back\n'; attempt += 1) {
    reply = (
      await exchange({ family: 'IPv4', host: '127.0.0.1', port }, 'back\n').catch(() =>
        Buffer.alloc(0),
      )
    ).toString();
  }
  expect(reply).toBe('back\n');
  expect(child.exitCode).toBeNull();
  // libuv sheds connections it can't accept (its reserve-descriptor trick) and reports
  // nothing when that drains the backlog; an accept error it does report is one warning.
  expect(
    output.filter((line) => line === 'warning SOCKSERVE_ACCEPT_ERROR').length,
  ).toBeLessThanOrEqual(1);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
});
