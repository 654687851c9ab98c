/**
 * `maxChildren` caps the children ALIVE, a child still closing its connection included (an
 * unreaped child counts in Python), with one owner of the count: the shared runner pool. In
 * per-request mode with `maxChildren: 1`, a child that answered but whose client keeps the
 * connection half-open is still alive: the next request waits for its exit, then gets a new
 * child — it never starts a second child next to it.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GreetHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const turns = async (n: number) => {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** Connects with allowHalfOpen (the client decides when its side ends) and collects text. */
function client(port: number): { socket: Socket; text: () => string } {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  return { socket, text: () => text };
}

describe('maxChildren counts a child still closing its connection', () => {
  it('per-request, maxChildren 1: the next request waits for that child to exit', async () => {
    const { server } = await serve(GreetHandler, {
      forkingMode: 'per-request',
      maxChildren: 1,
      minSpareChildren: 0,
    });
    const { port } = server.serverAddress as { port: number };
    const first = client(port);
    first.socket.write('one\n');
    await once(first.socket, 'end'); // answered; the child waits for this client's end
    const [firstPid] = server.activeChildren;
    expect(first.text()).toBe(`hello ${firstPid}\none\n`);

    const accepted = new Promise<void>((resolve) => {
      const seen = () => {
        diagnostics.unsubscribe('net.server.socket', seen);
        resolve();
      };
      diagnostics.subscribe('net.server.socket', seen);
    });
    const second = client(port);
    second.socket.write('two\n');
    await accepted;
    await turns(5); // the serve loop has taken the request and asked for a slot
    expect(server.activeChildren).toEqual([firstPid]);
    expect(second.text()).toBe('');

    first.socket.end();
    await once(second.socket, 'end');
    const [secondPid] = server.activeChildren;
    expect(secondPid).not.toBe(firstPid);
    expect(second.text()).toBe(`hello ${secondPid}\ntwo\n`);
    second.socket.end();
    const exits = await server.collectChildren({ blocking: true });
    expect(exits).toEqual([
      { pid: firstPid, code: 0, signal: null },
      { pid: secondPid, code: 0, signal: null },
    ]);
  });
});
