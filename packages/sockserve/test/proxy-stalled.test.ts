/**
 * 100 clients that send half a PROXY header and stall: each is closed at `headerTimeout`
 * (counted, published as `timeout`), while a client through a real HAProxy is still answered
 * at once — the headers are read per connection, off the serve loop.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { startHaproxy } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { askLine, closeAll, onTeardown, serveTcp } from './proxy-servers.ts';

afterEach(closeAll);

const HEADER_TIMEOUT = 1500;
const STALLED = 100;

it(`${STALLED} stalled half-headers are closed at headerTimeout while a client through HAProxy is answered`, async () => {
  const reasons: string[] = [];
  const listen = (message: unknown) => reasons.push((message as { reason: string }).reason);
  diagnostics.subscribe('sockserve:proxy.rejected', listen);
  onTeardown(async () => diagnostics.unsubscribe('sockserve:proxy.rejected', listen));
  const server = await serveTcp('async', ProxyEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'], headerTimeout: HEADER_TIMEOUT },
  });
  const port = server.serverAddress.port;
  const haproxy = await startHaproxy([
    { name: 'front', upstream: { host: '127.0.0.1', port }, serverOptions: 'send-proxy-v2' },
  ]);
  onTeardown(() => haproxy.stop());

  const header = encodeProxyHeader({
    version: 2,
    family: 'IPv4',
    source: { family: 'IPv4', host: '192.0.2.1', port: 1 },
    destination: { family: 'IPv4', host: '192.0.2.2', port: 2 },
  });
  const stalled: Array<{ socket: Socket; connecting: number; closed: Promise<number> }> = [];
  for (let i = 0; i < STALLED; i++) {
    const connecting = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    onTeardown(async () => socket.destroy());
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(performance.now())),
    );
    await once(socket, 'connect');
    socket.write(header.subarray(0, header.length / 2));
    stalled.push({ socket, connecting, closed });
  }

  const start = performance.now();
  const { line, local } = await askLine(haproxy.ports.front as number, 'still here\n');
  const latency = performance.now() - start;
  console.log(
    `client through HAProxy answered in ${latency.toFixed(1)} ms with ${STALLED} stalled`,
  );
  expect(line).toBe(`127.0.0.1:${local} v2 PROXY still here\n`);
  expect(stalled.every(({ socket }) => !socket.destroyed)).toBe(true);

  // Each closed at its deadline (the reasons below say `timeout`), not earlier: the server's
  // one deadline timer ticks every headerTimeout / 16 and libuv times from the loop's cached
  // clock, which a busy loop lets fall behind, so the bound is loose.
  const lateness: number[] = [];
  for (const { connecting, closed } of stalled) {
    const at = (await closed) - connecting;
    expect(at).toBeGreaterThanOrEqual(HEADER_TIMEOUT / 2);
    lateness.push(at - HEADER_TIMEOUT);
  }
  console.log(
    `stalled clients closed ${Math.min(...lateness).toFixed(1)}–${Math.max(...lateness).toFixed(1)} ms after headerTimeout`,
  );
  expect(server.stats.proxyRejected).toBe(STALLED);
  expect(reasons.filter((reason) => reason === 'timeout')).toHaveLength(STALLED);
  expect(server.stats.accepted).toBe(1);
  expect(server.errors).toEqual([]);
});
