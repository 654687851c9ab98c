/**
 * A stream request sent to a forking child as a moved socket whose handle never came along
 * (the server closed the socket — the client left — before Node sent it): the child ends that
 * request at once with a typed error, code `ERR_SOCKSERVE_STREAM_CLOSED`, and loses nothing
 * else — it still answers `done` for it, holds no request, and exits with status 0 when retired.
 * The child is a real one (its built entry, over a real IPC channel); the message is sent
 * without its handle, as Node delivers it when the socket closed first.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { runnerExecArgv } from '@sockserve/core/kit';
import type { FromRunner } from '@sockserve/core/remote';
import { afterEach, describe, expect, it } from 'vitest';
import { runnerInit } from '../../core/test/fixtures/runner-init.ts';
import type { ToChild } from '../src/child-protocol.ts';
import { BusyHandler } from './fixtures/handlers.ts';

const ENTRY = new URL('../dist/child-entry.js', import.meta.url);
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
});

/** The child's next message that passes `test`. */
function nextMessage(child: ChildProcess, test: (message: FromRunner) => boolean) {
  return new Promise<FromRunner>((resolve, reject) => {
    const onMessage = (message: FromRunner) => {
      if (!test(message)) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`the child exited (${code}) first`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

describe('a moved socket that never reached its child', () => {
  it('ends its request with code ERR_SOCKSERVE_STREAM_CLOSED; the child then retires cleanly', async () => {
    const child = fork(ENTRY, [], { execArgv: [...runnerExecArgv()], serialization: 'advanced' });
    children.push(child);
    const ready = nextMessage(child, (message) => message.t === 'ready');
    child.send({
      t: 'start',
      exitAfterRequest: false,
      init: runnerInit({ module: BusyHandler.module, export: 'BusyHandler' }),
    } satisfies ToChild);
    await ready;
    const done = nextMessage(child, (message) => message.t === 'done');
    const clientAddress = { host: '127.0.0.1', port: 40000, family: 'IPv4' } as const;
    child.send({ t: 'stream', id: 7, clientAddress, moved: true } satisfies ToChild);
    const message = await done;
    expect(message).toMatchObject({
      t: 'done',
      id: 7,
      error: {
        name: 'MovedSocketLostError',
        code: 'ERR_SOCKSERVE_STREAM_CLOSED',
        message: `the connection closed before it reached child ${child.pid}`,
      },
    });
    const exited = once(child, 'exit');
    child.send({ t: 'retire' } satisfies ToChild);
    expect(await exited).toEqual([0, null]);
  });
});
