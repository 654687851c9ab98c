/**
 * In-process strategies run the handshake when a connection is accepted, before the request
 * queue (handshake-preamble.ts): a client stalled mid-handshake never holds the serve loop,
 * counts toward maxConnections meanwhile, and a handshake cut by a close is counted once as
 * `closed`. A PROXY header is read first, then the handshake.
 */
import diagnostics from 'node:diagnostics_channel';
import { connect as netConnect, type Socket } from 'node:net';
import { AsyncStrategy, type InetAddress, SequentialStrategy } from '@sockserve/core';
import { useCerts } from '@sockserve/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tlsChannels } from '../src/index.js';
import { ProxiedHandler, TLSReportHandler } from './fixtures/handlers.js';
import { nodeClient, proxiedTlsReply } from './helpers/clients.js';
import { type FailureMessage, Servers, useFailureWatch } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = new Servers();
const watch = useFailureWatch();
const raw = new Set<Socket>();
afterEach(async () => {
  for (const socket of raw) socket.destroy();
  raw.clear();
  await servers.closeAll();
});

/** A TCP client that connects and sends nothing: stalled before its ClientHello. */
function stall(address: InetAddress): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = netConnect(address.port, address.host, () => resolve(socket));
    socket.on('error', () => {});
    raw.add(socket);
  });
}

/** The next handshake failure `server` publishes. */
function failureOf(server: object): Promise<FailureMessage> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if ((message as FailureMessage).server !== server) return;
      diagnostics.unsubscribe(tlsChannels.handshakeFailed.name, listener);
      resolve(message as FailureMessage);
    };
    diagnostics.subscribe(tlsChannels.handshakeFailed.name, listener);
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', resolve));

describe('handshake before the queue (in-process strategies)', () => {
  it('sequential: a client stalled in its handshake does not hold the server; another is answered at once', async () => {
    const server = await servers.tls(TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: new SequentialStrategy(),
      // Far past the test's own timeout: were the serve loop waiting on the stalled
      // handshake, the second client would not be answered in time.
      handshakeTimeout: 60_000,
    });
    const stalled = await stall(server.serverAddress);
    for (const line of ['one', 'two']) {
      const served = await nodeClient(
        server.serverAddress,
        { ca: certs.ca.cert, servername: 'localhost' },
        `${line}\n`,
      );
      expect(JSON.parse(served.reply)).toMatchObject({ line, protocol: 'TLSv1.3' });
    }
    expect(stalled.destroyed).toBe(false);
    expect(server.stats).toMatchObject({ accepted: 2, handshakeFailed: 0 });
  });

  it('a connection in its handshake counts toward maxConnections', async () => {
    const server = await servers.tls(TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: new AsyncStrategy(),
      maxConnections: 1,
    });
    const stalled = await stall(server.serverAddress);
    // Reset at once (perhaps before its own 'connect' event: client and server share a loop).
    const refused = netConnect(server.serverAddress.port, server.serverAddress.host);
    refused.on('error', () => {});
    raw.add(refused);
    await closed(refused);
    expect(server.stats).toMatchObject({ accepted: 0, refused: 1 });
    const failed = failureOf(server);
    stalled.destroy();
    expect((await failed).reason).toBe('closed');
    const served = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'localhost',
    });
    expect(JSON.parse(served.reply)).toMatchObject({ line: 'hello' });
    expect(server.stats).toMatchObject({ accepted: 1, refused: 1, handshakeFailed: 1 });
  });

  it('a close ends a handshake in progress at once: counted once as handshakeFailed "closed", not a request', async () => {
    const server = await servers.tls(TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: new AsyncStrategy(),
    });
    const stalled = await stall(server.serverAddress);
    const report = await server.serverClose({ timeout: 5_000 });
    await closed(stalled);
    expect(report).toMatchObject({ accepted: 0, cut: 0, finished: 0 });
    expect(watch.seen.filter((m) => m.server === server)).toEqual([
      expect.objectContaining({ reason: 'closed' }),
    ]);
    expect(server.stats.handshakeFailed).toBe(1);
  });

  it('a client leaving in the handshake is counted once as "closed"', async () => {
    const server = await servers.tls(TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: new AsyncStrategy(),
    });
    const stalled = await stall(server.serverAddress);
    const failed = failureOf(server);
    stalled.end();
    await closed(stalled);
    expect((await failed).reason).toBe('closed');
    expect(server.stats.handshakeFailed).toBe(1);
    expect(watch.seen.filter((m) => m.server === server)).toHaveLength(1);
    expect(server.stats.accepted).toBe(0);
  });
});

describe('PROXY header, then the handshake', () => {
  it('reads the header first; the handler sees its source and the TLS session', async () => {
    const server = await servers.tls(ProxiedHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: new AsyncStrategy(),
      proxyProtocol: { trusted: ['127.0.0.1/32'] },
    });
    const reply = await proxiedTlsReply(
      server.serverAddress,
      'PROXY TCP4 192.0.2.7 127.0.0.1 40000 443\r\n',
      certs.ca.cert,
      raw,
    );
    expect(JSON.parse(reply)).toMatchObject({
      client: '192.0.2.7',
      proxy: { host: '192.0.2.7', port: 40000 },
      tls: 'TLSv1.3',
    });
  });
});
