/**
 * A runner that keeps its own handler slots (`RunnerInit.slots`, set when silent connections
 * may wait in it): moved sockets past the bound wait for a slot, first come first served; a cut
 * ends a waiting one at once, unstarted. RequestRunner runs in this thread, fed messages as a
 * worker would be, with real loopback sockets.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { type FromRunner, RequestRunner } from '../src/remote/index.js';
import { runnerInit } from './fixtures/runner-init.js';

const MODULE = new URL('./fixtures/runner-handlers.ts', import.meta.url).href;
const CLIENT = { family: 'IPv4', host: '127.0.0.1', port: 1 } as const;
const open: Array<Server | Socket> = [];
afterEach(() => {
  for (const handle of open.splice(0)) {
    if ('destroy' in handle) handle.destroy();
    else handle.close();
  }
});

/** `n` loopback connections: [the client's end, the server's end] each. */
async function pairs(n: number): Promise<Array<[Socket, Socket]>> {
  const server = createServer();
  open.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const result: Array<[Socket, Socket]> = [];
  for (let i = 0; i < n; i += 1) {
    const accepted = once(server, 'connection');
    const client = connect(port, '127.0.0.1');
    client.on('error', () => {});
    const [serverEnd] = (await accepted) as [Socket];
    open.push(client, serverEnd);
    result.push([client, serverEnd]);
  }
  return result;
}

it('moved sockets past the slots wait, first come first served; a cut ends a waiting one unstarted', async () => {
  const posted: FromRunner[] = [];
  const init = runnerInit({ module: MODULE, export: 'UpperStream' }, { slots: 1 });
  const r = new RequestRunner(init, (message) => posted.push(message), 'test runner');
  expect(await r.load()).toBe(true);
  type Pair = [Socket, Socket];
  const [[c1, s1], [c2, s2], [c3, s3]] = (await pairs(3)) as [Pair, Pair, Pair];
  for (const [id, socket] of [s1, s2, s3].entries())
    r.receive({ t: 'stream', id: id + 1, clientAddress: CLIENT, socket });
  expect(r.running()).toEqual([1]);
  c2.write('two');
  c3.write('three');
  const c3Closed = once(c3, 'close');
  r.receive({ t: 'cut', id: 3 });
  expect(posted.at(-1)).toEqual({ t: 'done', id: 3, error: undefined });
  await c3Closed;
  // Request 1 ends: its slot goes to request 2, which then reads what its client sent.
  c1.end();
  c2.setEncoding('latin1');
  const echoed = once(c2, 'data');
  expect(await echoed).toEqual(['TWO']);
  expect(r.running()).toEqual([2]);
  expect(posted.filter((m) => m.t === 'done').map((m) => (m as { id: number }).id)).toEqual([3, 1]);
  // The server heard which waited for a slot, and which took one (2; 3 ended unstarted).
  expect(posted.filter((m) => m.t === 'slot-wait' || m.t === 'slot-start')).toEqual([
    { t: 'slot-wait', id: 2 },
    { t: 'slot-wait', id: 3 },
    { t: 'slot-start', id: 2 },
  ]);
  c2.end();
  await vi.waitFor(() => expect(r.running()).toEqual([]), { timeout: 10_000 });
});
