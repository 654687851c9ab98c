/**
 * A connection still in its TLS handshake when the server closes is counted once: as
 * `handshakeFailed` (reason `closed`, published on `sockserve:tls.handshakeFailed`), never
 * also as a rejected preamble (`tlsRejected`, `sockserve:tls.rejected`), which it was before
 * the preamble could say it counts its own cut (`ConnectionPreamble.countsOwnClose`).
 */
import diagnostics from 'node:diagnostics_channel';
import { connect as netConnect, type Server, type Socket } from 'node:net';
import { AsyncStrategy, type InetAddress, SequentialStrategy } from '@sockserve/core';
import { preambleRejectedChannel } from '@sockserve/core/kit';
import { Teardown, useCerts } from '@sockserve/test-support';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { TLSReportHandler } from './fixtures/handlers.js';
import { Servers, watchFailures } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = new Servers();
const teardown = new Teardown();
const failures = watchFailures();
afterEach(async () => {
  await teardown.run();
  await servers.closeAll();
});
afterAll(() => failures.stop());

/** Every message published on `sockserve:<name>.rejected` while the test runs. */
function rejectedOn(name: string): unknown[] {
  const seen: unknown[] = [];
  const listener = (message: unknown) => seen.push(message);
  const channel = preambleRejectedChannel(name);
  diagnostics.subscribe(channel.name, listener);
  teardown.add(() => diagnostics.unsubscribe(channel.name, listener));
  return seen;
}

/** How many connections the listener holds now (the stalled one is in its handshake). */
function connectionsOf(listener: Server | undefined): Promise<number> {
  return new Promise((resolve, reject) =>
    listener === undefined
      ? reject(new Error('no listener'))
      : listener.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** A TCP client that connects and stalls before its ClientHello. */
function stall(address: InetAddress): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = netConnect(address.port, address.host, () => resolve(socket));
    socket.on('error', () => {});
    teardown.add(() => socket.destroy());
  });
}

for (const strategy of ['sequential', 'async'] as const) {
  it(`${strategy}: a handshake cut by the close is handshakeFailed once, not tlsRejected`, async () => {
    const tlsRejected = rejectedOn('tls');
    const server = await servers.tls(TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: strategy === 'async' ? new AsyncStrategy() : new SequentialStrategy(),
      handshakeTimeout: 60_000,
    });
    const stalled = await stall(server.serverAddress);
    await vi.waitFor(() => expect(connectionsOf(server.socket)).resolves.toBe(1), {
      timeout: 10_000,
    });
    const gone = new Promise((resolve) => stalled.once('close', resolve));
    await server.serverClose({ timeout: 5_000 });
    await gone;
    await vi.waitFor(() => expect(server.stats.handshakeFailed).toBe(1), { timeout: 10_000 });
    expect(server.stats).not.toHaveProperty('tlsRejected', 1);
    expect(tlsRejected).toEqual([]);
    expect(failures.seen.filter((m) => m.server === server)).toEqual([
      expect.objectContaining({ reason: 'closed' }),
    ]);
  });
}
