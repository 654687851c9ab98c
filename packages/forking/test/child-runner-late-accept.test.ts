/**
 * `acceptIn: 'children'`: a spare told to retire may have accepted a connection just before the
 * word reached it — its `accepted` then arrives on a terminating runner. That request runs to
 * its end: the runner's exit deadline (kill grace + closeTimeout, then SIGKILL) is lifted when
 * the `accepted` arrives, and the child exits with its request's status afterwards.
 *
 * The order is forced: a synchronous python3 client blocks this process's event loop until
 * the child answered `hello` (it accepted, and its `accepted` is unread here), and the runner
 * is told to retire in that same turn. The request then spins 600 ms, far past this runner's
 * deadline of 100 ms; before the fix the child was SIGKILLed mid-request.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { FromRunner } from '@sockserve/core/remote';
import { afterEach, describe, expect, it } from 'vitest';
import { runnerInit } from '../../core/test/fixtures/runner-init.ts';
// The built runner: it forks dist/child-entry.js next to it.
import { ChildRunner } from '../dist/child-runner.js';
import type { ChildAccepted } from '../src/child-protocol.ts';
import { holdWithoutAccepting } from '../src/listen-handle.ts';
import { HelloThenBusyHandler } from './fixtures/handlers.ts';
import { childrenOf } from './fixtures/processes.ts';

const init = runnerInit(
  { module: HelloThenBusyHandler.module, export: HelloThenBusyHandler.name },
  { closeTimeout: 50 },
);

/**
 * Connects with python3, reads the `hello <pid>` line and returns it; a forked python process
 * goes on with the connection (asks `busy 600`, reads the answer) after this returns.
 */
function helloThenBusy(port: number): string {
  const script = [
    'import os, socket, sys',
    's = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)',
    'f = s.makefile("rb")',
    'sys.stdout.write(f.readline().decode()); sys.stdout.flush()',
    'if os.fork() == 0:',
    '    os.closerange(0, 3)',
    '    s.sendall(b"busy 600\\n")',
    '    f.read()',
    '    os._exit(0)',
    'os._exit(0)',
  ].join('\n');
  return execFileSync('python3', ['-c', script, String(port)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe("acceptIn: 'children': an accept that crosses the retirement", () => {
  it('the request runs to its end; the child is not killed at the exit deadline', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const accepted: ChildAccepted[] = [];
    const messages: FromRunner[] = [];
    let listening: { handle: unknown; backlog: number } | undefined;
    const runner = new ChildRunner(
      init,
      {
        exitAfterRequest: true,
        transfer: 'auto',
        execArgv: undefined,
        closeTimeout: 50,
        killGrace: 50,
        accept: {
          listening: () => listening,
          accepted: (_child, message) => {
            accepted.push(message);
            return { id: 0, admit: () => {} };
          },
          // The only child: its turn to accept (it listens once ready and given the handle).
          joined: (child) => child.takeTurn(),
          ready: () => {},
          gone: () => {},
          listenFailed: () => {},
        },
      },
      () => {},
    );
    const ready = new Promise<void>((resolve) =>
      runner.onMessage((message) => {
        messages.push(message);
        if (message.t === 'ready') resolve();
      }),
    );
    await ready;
    // This process keeps a copy that never accepts; the child listens on its own.
    const handle = await holdWithoutAccepting(server, (h) => runner.echoHandle(h));
    listening = { handle, backlog: 511 };
    runner.listen(handle, 511);

    const hello = helloThenBusy(port);
    // Same turn: the child's `accepted` is still unread.
    const retired = runner.terminate('retire');
    expect(accepted).toEqual([]);

    const exit = await runner.exited;
    await retired;
    expect(hello).toBe(`hello ${runner.pid}\n`);
    expect(accepted).toHaveLength(1);
    expect(exit).toEqual({ pid: runner.pid, code: 0, signal: null });
    expect(messages.filter((m) => m.t === 'done')).toEqual([
      { t: 'done', id: 0, error: undefined },
    ]);
    expect(childrenOf()).not.toContain(runner.pid);
  });
});
