/**
 * `listen-handle.ts` rests on Node internals (a `net.Server`'s `_handle` with its `fd` and
 * `close()`, a raw handle sent over IPC and received back as a handle that doesn't listen):
 * these tests fail if Node changes them. After the swap this process keeps the socket (its
 * address, a queued connection) without accepting: the connection waits in the kernel's
 * queue until a child listens on a copy and takes it.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { readToEnd } from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { holdWithoutAccepting, listeningHandle } from '../src/listen-handle.ts';
import { childrenOf } from './fixtures/processes.ts';

const KEEPER = new URL('./fixtures/handle-keeper.ts', import.meta.url);
const cleanup: Array<() => void> = [];
const exits: Array<Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) step();
  await Promise.all(exits.splice(0));
  expect(childrenOf()).toEqual([]);
});

function keeper() {
  const child = fork(KEEPER, [], { serialization: 'advanced' });
  exits.push(once(child, 'exit'));
  cleanup.push(() => child.disconnect());
  const next = (t: string) =>
    new Promise<unknown>((resolve) => {
      const on = (message: { t: string }, handle: unknown) => {
        if (message.t !== t) return;
        child.off('message', on);
        resolve(handle);
      };
      child.on('message', on);
    });
  return { child, next };
}

async function listening(): Promise<Server> {
  const server = createServer({ pauseOnConnect: true });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  cleanup.push(() => server.close());
  return server;
}

describe('holding a listening socket without accepting on it', () => {
  it("Node's listening handle has the shape it relies on", async () => {
    const server = await listening();
    const handle = listeningHandle(server) as { fd: unknown; close: unknown };
    expect(typeof handle.fd).toBe('number');
    expect(typeof handle.close).toBe('function');
  });

  it('after the swap the server keeps its address; a connection waits for a child to accept it', async () => {
    const server = await listening();
    const { port } = server.address() as { port: number };
    let acceptedHere = 0;
    server.on('connection', () => {
      acceptedHere += 1;
    });
    const echoer = keeper();
    const copy = await holdWithoutAccepting(server, (handle) => {
      echoer.child.send({ t: 'echo' }, handle as never);
      return echoer.next('echoed');
    });
    expect(server.address()).toMatchObject({ port });
    expect(server.listening).toBe(true);
    // Connected (the kernel's queue takes it) while no process accepts.
    const client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    const taker = keeper();
    taker.child.send({ t: 'listen' }, copy as never);
    const reply = readToEnd(client);
    await taker.next('accepted');
    expect((await reply).toString()).toBe(`child ${taker.child.pid}\n`);
    expect(acceptedHere).toBe(0);
  });

  it('a server that is not listening: UnsupportedError', async () => {
    const server = createServer();
    expect(() => listeningHandle(server)).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_UNSUPPORTED' }),
    );
  });
});
