/**
 * How `UnixDgramSocket` delivers what it receives: every datagram, in order, with its sender's
 * path ('' for an unbound sender), in batches from a `setImmediate` — and nothing per datagram
 * besides (the addon's own re-emit as `'data'` from a `process.nextTick` is not kept). A
 * `UnixDatagramRequest` is its own `IncomingRequest`. A listener that throws loses nothing but
 * its own datagram: the rest of the batch, and every later one, are still delivered.
 */
import { createHook } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UnanswerableError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { UnixDatagramRequest, UnixDgramSocket } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const path = tempSocketPaths();
const open: UnixDgramSocket[] = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});

const COUNT = 200;

describe('UnixDgramSocket delivery', () => {
  it('delivers every datagram in order with its sender, and schedules no tick per datagram', async () => {
    const got: string[] = [];
    const all = Promise.withResolvers<void>();
    const server = new UnixDgramSocket(
      (data, sender) => {
        got.push(`${data} ${sender}`);
        if (got.length === COUNT) all.resolve();
      },
      (error) => all.reject(error),
    );
    open.push(server);
    const serverPath = path('server.sock');
    server.bind(serverPath);
    const client = new UnixDgramSocket(
      () => {},
      () => {},
    );
    open.push(client);
    const clientPath = path('client.sock');
    client.bind(clientPath);

    let ticks = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'TickObject') ticks += 1;
      },
    });
    for (let i = 0; i < COUNT; i++) client.sendToThen(Buffer.from(`d${i}`), serverPath, () => {});
    hook.enable();
    try {
      await all.promise;
    } finally {
      hook.disable();
    }
    expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => `d${i} ${clientPath}`));
    // The addon re-emitted each datagram as 'data' from a tick of its own: COUNT ticks.
    expect(ticks).toBeLessThan(COUNT / 4);
  });

  it('a request is its own IncomingRequest, with the sender as client address', () => {
    const socket = new UnixDgramSocket(
      () => {},
      () => {},
    );
    open.push(socket);
    const request = new UnixDatagramRequest(Buffer.from('x'), '/tmp/peer.sock', socket);
    expect(request.request).toBe(request);
    expect(request.clientAddress).toEqual({ family: 'unix', path: '/tmp/peer.sock' });
    expect(request.canReply).toBe(true);
    const unbound = new UnixDatagramRequest(Buffer.from('x'), '', socket);
    expect(unbound.clientAddress).toEqual({ family: 'unix', path: '' });
    expect(unbound.canReply).toBe(false);
    const done = Promise.withResolvers<unknown>();
    unbound.replyThen(Buffer.from('y'), done.resolve);
    return expect(done.promise).resolves.toBeInstanceOf(UnanswerableError);
  });

  it('a listener that throws loses no other datagram: the rest of its batch come next, in order', async () => {
    const script = fileURLToPath(new URL('./fixtures/throwing-listener.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, dirname(path('server.sock'))],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const { got, thrown } = JSON.parse(stdout) as { got: string[]; thrown: string[] };
    const burst = (prefix: string) => Array.from({ length: 50 }, (_, i) => `${prefix}${i}`);
    expect(thrown).toEqual(['listener threw at d1']);
    expect(got).toEqual([...burst('d'), 'after', ...burst('e'), 'end']);
  });
});
