/**
 * TLS under every strategy: the raw TCP connection goes to the worker or child (moved whole,
 * or its bytes relayed where Node can't move it) and TLS ends there, with a secure context
 * built from the PEM; handshake failures there are counted by the server; a reload reaches
 * every runner.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { AsyncStrategy, SequentialStrategy } from '@sockserve/core';
import { ForkingMixIn } from '@sockserve/forking';
import { useCerts } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSServer } from '../src/index.js';
import { TLSReportHandler } from './fixtures/handlers.js';
import { nodeClient, pythonClient, sClient } from './helpers/clients.js';
import { useFailureWatch, useServers } from './helpers/serve.js';

class ThreadingTLSServer extends ThreadingMixIn(TLSServer) {}
class ForkingTLSServer extends ForkingMixIn(TLSServer) {}

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();
const watch = useFailureWatch();

const address = { host: '127.0.0.1', port: 0 };
const tlsOptions = () => ({
  key: certs.server.key,
  cert: certs.server.cert,
  ca: certs.ca.cert,
  requestCert: true,
  sni: { 'other.test': { key: certs.other.key, cert: certs.other.cert } },
  ALPNProtocols: ['sockserve/1'],
});

const cases = [
  {
    name: 'sequential',
    make: () =>
      new TLSServer(address, TLSReportHandler, {
        ...tlsOptions(),
        strategy: new SequentialStrategy(),
      }),
    where: 'here',
    concurrent: false,
  },
  {
    name: 'async',
    make: () =>
      new TLSServer(address, TLSReportHandler, { ...tlsOptions(), strategy: new AsyncStrategy() }),
    where: 'here',
    concurrent: true,
  },
  {
    name: 'threading (2 workers)',
    make: () =>
      new ThreadingTLSServer(address, TLSReportHandler, {
        ...tlsOptions(),
        minWorkers: 2,
        maxWorkers: 2,
      }),
    where: 'thread',
    concurrent: true,
  },
  {
    // What Node 22 (and 24 before socket transfer) does: the encrypted bytes are relayed to the
    // worker over its MessagePort and TLS still ends in the worker.
    name: 'threading, bytes relayed (Node 22)',
    make: () =>
      new ThreadingTLSServer(address, TLSReportHandler, {
        ...tlsOptions(),
        minWorkers: 2,
        maxWorkers: 2,
        transfer: 'relay',
      }),
    where: 'thread',
    concurrent: true,
  },
  {
    name: 'forking (pool of 2)',
    make: () =>
      new ForkingTLSServer(address, TLSReportHandler, {
        ...tlsOptions(),
        minSpareChildren: 2,
        maxChildren: 2,
      }),
    where: 'child',
    concurrent: true,
  },
] as const;

describe.each(cases)('TLSServer, $name', ({ make, where, concurrent }) => {
  it('serves mutual TLS with SNI and ALPN where the handler runs; refuses a client without a certificate', async () => {
    const server = await servers.start(make());
    const client = { key: certs.client.key, cert: certs.client.cert };
    const result = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'other.test',
      ALPNProtocols: ['sockserve/1'],
      ...client,
    });
    expect(result.serverCN).toBe('other.test');
    const report = JSON.parse(result.reply);
    expect(report).toMatchObject({
      line: 'hello',
      servername: 'other.test',
      alpnProtocol: 'sockserve/1',
      authorized: true,
      peer: 'test client',
    });
    if (where === 'here') expect(report).toMatchObject({ pid: process.pid });
    if (where === 'thread')
      expect(report).toMatchObject({ pid: process.pid, threadId: expect.any(Number) });
    if (where === 'thread') expect(report.threadId).not.toBe(0);
    if (where === 'child') expect(report.pid).not.toBe(process.pid);

    const python = await pythonClient(server.serverAddress, certs.ca.certFile, certs.client);
    expect(JSON.parse(python.reply)).toMatchObject({ line: 'from python', authorized: true });

    const refused = await sClient(server.serverAddress, certs.ca.certFile, []);
    expect(refused.stdout).not.toContain('{"line"');
    const failure = await watch.next();
    expect(failure).toMatchObject({ server, reason: 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE' });
    // In process the handshake runs before the queue: a failed one never becomes a request.
    // Elsewhere the raw connection is a request first (it must move before any TLS).
    const accepted = where === 'here' ? 2 : 3;
    expect(server.stats).toMatchObject({ accepted, handshakeFailed: 1 });
  });

  it('reloadCertificates: a new client sees the new certificate, a connection in flight keeps working', async () => {
    const server = await servers.start(make());
    const options = {
      ca: certs.ca.cert,
      servername: 'localhost',
      key: certs.client.key,
      cert: certs.client.cert,
    };
    const served = new X509Certificate(certs.server.cert).fingerprint256;
    const renewed = new X509Certificate(certs.renewed.cert).fingerprint256;
    expect(await fingerprintOf(server.serverAddress.port, options)).toBe(served);
    // A connection in flight across the reload: handshake done, its request not sent yet
    // (not with one request at a time: it would hold the only slot).
    const inFlight = concurrent
      ? connect({ host: '127.0.0.1', port: server.serverAddress.port, ...options })
      : undefined;
    if (inFlight !== undefined)
      await new Promise((resolve) => inFlight.once('secureConnect', resolve));

    server.reloadCertificates({
      key: certs.renewed.key,
      cert: certs.renewed.cert,
      ca: certs.ca.cert,
    });
    // A runner gets the reload before any connection accepted after it (messages keep their order).
    for (let i = 0; i < 4; i++) {
      expect(await fingerprintOf(server.serverAddress.port, options)).toBe(renewed);
    }
    if (inFlight === undefined) return;
    expect(inFlight.getPeerCertificate().fingerprint256).toBe(served);
    const reply = new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      inFlight.on('data', (chunk: Buffer) => chunks.push(chunk));
      inFlight.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    inFlight.write('still here\n');
    expect(JSON.parse(await reply)).toMatchObject({ line: 'still here', authorized: true });
    inFlight.end();
  });
});

/** The SHA-256 fingerprint of the certificate a fresh client is shown. */
function fingerprintOf(port: number, options: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...options }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.write('probe\n');
      socket.resume();
      socket.on('end', () => {
        socket.end();
        resolve(fingerprint);
      });
    });
    socket.on('error', reject);
  });
}
