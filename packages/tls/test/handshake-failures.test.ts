/**
 * Failed handshakes close the connection, count in stats.handshakeFailed, are published on
 * sockserve:tls.handshakeFailed with their reason, and never reach handleError; a client
 * stalling in its handshake is closed at handshakeTimeout while others are served.
 */
import { connect } from 'node:net';
import { AsyncStrategy, type SocketAddress } from '@sockserve/core';
import { useCerts } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TLSServer } from '../src/index.js';
import { TLSReportHandler } from './fixtures/handlers.js';
import { nodeClient, sClient } from './helpers/clients.js';
import { useFailureWatch, useServers } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();
const watch = useFailureWatch();

/** A TLSServer whose handleError records what reached it. */
class RecordingServer extends TLSServer {
  readonly errors: unknown[] = [];
  override handleError(_request: unknown, _client: SocketAddress, error: unknown): void {
    this.errors.push(error);
  }
}

class RecordingThreadingServer extends ThreadingMixIn(RecordingServer) {}

async function mutual(extra = {}): Promise<RecordingServer> {
  return servers.start(
    new RecordingServer({ host: '127.0.0.1', port: 0 }, TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      ca: certs.ca.cert,
      requestCert: true,
      strategy: new AsyncStrategy(),
      ...extra,
    }),
  );
}

/** Sends raw bytes and resolves once the server closed the connection. */
function plaintext(address: { host: string; port: number }, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(address.port, address.host, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

describe('handshake failures', () => {
  it('mutual TLS refuses a client without a certificate: counted, published, no handleError', async () => {
    const server = await mutual();
    const refused = await sClient(server.serverAddress, certs.ca.certFile, []);
    expect(refused.stdout + refused.stderr).not.toContain('{"line"');
    const failure = await watch.next();
    expect(failure).toMatchObject({ server, reason: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' });
    expect(server.stats.handshakeFailed).toBe(1);
    expect(server.errors).toEqual([]);
    // The server goes on: a client with a certificate is served.
    const served = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'localhost',
      key: certs.client.key,
      cert: certs.client.cert,
    });
    expect(JSON.parse(served.reply)).toMatchObject({ authorized: true, peer: 'test client' });
    // The handshake runs before the queue: a failed one is not a request.
    expect(server.stats).toMatchObject({ accepted: 1, handshakeFailed: 1 });
  });

  it('mutual TLS refuses a certificate no CA vouches for, with its verification error', async () => {
    const server = await mutual();
    const refused = await sClient(server.serverAddress, certs.ca.certFile, [
      '-cert',
      certs.stranger.certFile,
      '-key',
      certs.stranger.keyFile,
    ]);
    expect(refused.stdout).not.toContain('{"line"');
    const failure = await watch.next();
    expect(failure.reason).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|closed|ECONNRESET/);
    expect(server.stats.handshakeFailed).toBe(1);
    expect(server.errors).toEqual([]);
  });

  it('plaintext on the TLS port is closed with the reason', async () => {
    const server = await mutual();
    await plaintext(server.serverAddress, 'GET / HTTP/1.0\r\n\r\n');
    const failure = await watch.next();
    expect(failure.reason).toBe('ERR_SSL_HTTP_REQUEST');
    await plaintext(server.serverAddress, 'hello there\n');
    expect((await watch.next()).reason).toMatch(/^ERR_SSL_/);
    expect(server.stats).toMatchObject({ accepted: 0, handshakeFailed: 2 });
    expect(server.errors).toEqual([]);
  });

  it('a protocol the server does not offer (ALPN) is refused', async () => {
    const server = await mutual({ requestCert: false, ALPNProtocols: ['h2'] });
    const refused = await sClient(server.serverAddress, certs.ca.certFile, ['-alpn', 'smtp']);
    expect(refused.stdout).not.toContain('{"line"');
    expect((await watch.next()).reason).toMatch(/ALPN|NO_APPLICATION_PROTOCOL/);
    expect(server.stats.handshakeFailed).toBe(1);
    expect(server.errors).toEqual([]);
  });

  it('a client stalling in its handshake is closed at handshakeTimeout while others are served', async () => {
    const server = await mutual({ requestCert: false, handshakeTimeout: 300 });
    const started = performance.now();
    const stalled = plaintext(server.serverAddress, '');
    // Served meanwhile.
    const served = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'localhost',
    });
    expect(JSON.parse(served.reply)).toMatchObject({ line: 'hello' });
    await stalled;
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect((await watch.next()).reason).toBe('ERR_TLS_HANDSHAKE_TIMEOUT');
    expect(server.stats).toMatchObject({ accepted: 1, handshakeFailed: 1 });
    expect(server.errors).toEqual([]);
  });

  it('threading (handshake in the worker, after the queue): a close cuts a connection in its handshake at the close timeout, counted once as "closed"', async () => {
    const server = await servers.start(
      new RecordingThreadingServer({ host: '127.0.0.1', port: 0 }, TLSReportHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        minWorkers: 1,
        maxWorkers: 1,
      }),
    );
    const stalled = plaintext(server.serverAddress, '');
    await vi.waitFor(() => expect(server.inFlight).toBe(1), { timeout: 10_000 });
    const started = performance.now();
    const report = await server.serverClose({ timeout: 50 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(report).toMatchObject({ accepted: 1, cut: 1, finished: 0 });
    await stalled;
    expect(watch.seen.filter((m) => m.server === server)).toEqual([
      expect.objectContaining({ reason: 'closed' }),
    ]);
    expect(server.stats.handshakeFailed).toBe(1);
    expect(server.errors).toEqual([]);
  });
});
