/**
 * Accept errors: a server out of file descriptors (EMFILE) keeps running and serves again as
 * soon as descriptors free up — instead of crashing or spinning (the tokio#3529 / libuv#690
 * class of bug) — and sheds visibly (issue 12, item 8): each shed client gets a reset, not a
 * bare end-of-stream, each one is counted in `stats.shed`, and a `SOCKSERVE_SHED` warning is
 * printed at most once a second. The server runs in a child process with `ulimit -n 64`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { exchange } from '@sockserve/conformance';
import { afterEach, expect, it, vi } from 'vitest';

let child: ChildProcess | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
});

/** What one client saw: still open, reset by the server, or a bare end-of-stream. */
type Fate = 'open' | 'reset' | 'eof';

it('EMFILE: shed clients are reset and counted, a warning at most once a second, and serving resumes', async () => {
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
  const started = performance.now();
  // Far more connections than the server has descriptors for.
  const fates: Fate[] = Array.from({ length: 120 }, (_, n) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      fates[n] = error.code === 'ECONNRESET' ? 'reset' : 'eof';
    });
    return 'open';
  });
  for (const [n, socket] of sockets.entries()) {
    socket.on('end', () => {
      if (fates[n] === 'open') fates[n] = 'eof';
    });
  }
  const accepted = () => output.filter((line) => line === 'accepted').length;
  // Every client is either accepted (the echo holds it) or has heard from the server.
  await vi.waitFor(
    () => expect(accepted() + fates.filter((fate) => fate !== 'open').length).toBe(120),
    { timeout: 10_000, interval: 20 },
  );
  const seconds = (performance.now() - started) / 1000;
  const held = accepted();
  expect(child.exitCode).toBeNull();
  expect(fates.filter((fate) => fate === 'eof')).toEqual([]);
  const resets = fates.filter((fate) => fate === 'reset').length;
  expect(resets).toBeGreaterThan(0);
  // The warning travels through the child's stdout, which may lag behind the resets.
  const shedWarnings = () => output.filter((line) => line === 'warning SOCKSERVE_SHED').length;
  await vi.waitFor(() => expect(shedWarnings()).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
  const warnings = shedWarnings();
  // At most one a second: one at the start, then one per full second.
  expect(warnings).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 1000) + 1);
  // Free the descriptors: every client goes away; the server must serve again.
  for (const socket of sockets.splice(0)) socket.destroy();
  let reply = '';
  // A retry that arrives while the server still holds the old descriptors is shed too.
  let failedRetries = 0;
  for (let attempt = 0; attempt < 50 && reply !== 'back\n'; attempt += 1) {
    reply = (
      await exchange({ family: 'IPv4', host: '127.0.0.1', port }, 'back\n').catch(() => {
        failedRetries += 1;
        return Buffer.alloc(0);
      })
    ).toString();
  }
  expect(reply).toBe('back\n');
  expect(child.exitCode).toBeNull();
  child.kill('SIGTERM');
  // 'close', not 'exit': every line of its stdout has been read by then.
  const [code] = await once(child, 'close');
  expect(code).toBe(0);
  const stats = JSON.parse(output.find((line) => line.startsWith('stats '))?.slice(6) ?? '{}');
  expect(stats.shed).toBeGreaterThanOrEqual(resets);
  expect(stats.shed).toBeLessThanOrEqual(resets + failedRetries);
  console.log(
    `EMFILE: 120 clients, ulimit -n 64: ${held} accepted, ${resets} reset and counted (stats.shed ${stats.shed}), ${warnings} warning(s) in ${seconds.toFixed(2)} s`,
  );
});
