/**
 * A forking child's warm-up request runs through the runner's real request path: a
 * `RequestRunner` with the warm-up handler serves the warm-up's loopback exchange and reports
 * one `done` without error. (Its own file: a `RequestRunner` marks this process as a runner,
 * where no server may then be created.)
 */
import { RequestRunner } from '@sockserve/core/remote/runner';
import { describe, expect, it } from 'vitest';
import { runnerInit } from '../../core/test/fixtures/runner-init.ts';
import { warmUp } from '../src/warm-up.ts';
import { warmUpHandler } from '../src/warm-up-request.ts';
import { CountingHandler } from './fixtures/handlers.ts';

const init = runnerInit({ module: CountingHandler.module, export: CountingHandler.name });

describe('the warm-up request', () => {
  it('serves the warm-up exchange through a RequestRunner: one request, done without error', async () => {
    const Warm = await warmUpHandler(init);
    const messages: Array<{ t: string; id?: number; error?: unknown }> = [];
    let finished = () => {};
    const runner = new RequestRunner(
      { ...init, handler: Warm as never },
      (message) => {
        messages.push(message);
        if (message.t === 'done') finished();
      },
      'test',
    );
    expect(await runner.load()).toBe(true);
    await warmUp(
      (socket) =>
        new Promise((resolve) => {
          finished = resolve;
          runner.receive({
            t: 'stream',
            id: 7,
            clientAddress: { host: '127.0.0.1', port: socket.remotePort ?? 0, family: 'IPv4' },
            socket,
          });
        }),
    );
    expect(messages).toEqual([{ t: 'ready' }, { t: 'done', id: 7, error: undefined }]);
  });
});
