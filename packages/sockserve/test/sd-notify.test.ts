/**
 * sd_notify from the command, received by a real AF_UNIX datagram socket (python3's socket
 * module), the way systemd's NOTIFY_SOCKET receives it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Teardown } from '@sockserve/test-support';
import { afterEach, expect, test } from 'vitest';
import { CliProcess } from './cli-process.js';

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
`;

const teardown = new Teardown();
afterEach(() => teardown.run());

/** A python3 datagram receiver on a temp socket file; `lines` grows with each datagram. */
async function receiver(): Promise<{
  path: string;
  next: (pattern: RegExp) => Promise<void>;
  lines: string[];
}> {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-notify-'));
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  teardown.add(() => rmSync(dir, { recursive: true, force: true }));
  teardown.add(() => {
    child.kill('SIGKILL');
    return new Promise((resolve) =>
      child.exitCode === null ? child.once('close', resolve) : resolve(0),
    );
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async (pattern: RegExp) => {
    while (!lines.some((line) => pattern.test(line))) {
      if (child.exitCode !== null) throw new Error('the receiver ended');
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await next(/^bound$/);
  return { path, next, lines };
}

test('READY=1 once serving and STOPPING=1 at the first signal go to NOTIFY_SOCKET', async () => {
  const notify = await receiver();
  const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', './echo.mjs'], {
    env: { NOTIFY_SOCKET: notify.path },
  });
  teardown.add(() => cli.stop('SIGKILL'));
  await cli.listening();
  await notify.next(/^READY=1$/);
  expect(notify.lines).toEqual(['bound', 'READY=1']);
  const { code } = await cli.stop('SIGTERM');
  expect(code).toBe(0);
  await notify.next(/^STOPPING=1$/);
  expect(notify.lines).toEqual(['bound', 'READY=1', 'STOPPING=1']);
  expect(cli.stderr).not.toContain('cannot notify');
});

test('an abstract NOTIFY_SOCKET is a warning (the addon cannot address it); serving goes on', async () => {
  const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', './echo.mjs'], {
    env: { NOTIFY_SOCKET: '@sockserve-test-notify' },
  });
  teardown.add(() => cli.stop('SIGKILL'));
  await cli.listening();
  await cli.stderrMatching(
    /cannot notify the service manager \(READY=1\): NOTIFY_SOCKET "@sockserve-test-notify" is an abstract socket name/,
  );
  expect(cli.running).toBe(true);
  expect((await cli.stop('SIGTERM')).code).toBe(0);
});
