/**
 * TLSServer in this process with real clients: Node's tls.connect, openssl s_client (SNI,
 * ALPN, client certificates), Python's ssl module; `this.tls` in the handler.
 */
import { AsyncStrategy } from '@sockserve/core';
import { useCerts } from '@sockserve/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSServer } from '../src/index.js';
import { TLSReportHandler } from './fixtures/handlers.js';
import { nodeClient, pythonClient, reportIn, sClient } from './helpers/clients.js';
import { useServers } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();

const base = () => ({
  key: certs.server.key,
  cert: certs.server.cert,
  strategy: new AsyncStrategy(),
});

describe('TLSServer with real clients', () => {
  it('serves Node tls.connect: decrypted streams, this.tls filled in, the server certificate', async () => {
    const server = await servers.tls(TLSReportHandler, {
      ...base(),
      ALPNProtocols: ['sockserve/1'],
    });
    const result = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'localhost',
      ALPNProtocols: ['sockserve/1'],
    });
    expect(result.serverCN).toBe('localhost');
    expect(result.alpnProtocol).toBe('sockserve/1');
    const report = JSON.parse(result.reply);
    expect(report).toMatchObject({
      line: 'hello',
      servername: 'localhost',
      alpnProtocol: 'sockserve/1',
      authorized: false,
      authorizationError: null,
      peer: null,
      protocol: 'TLSv1.3',
      pid: process.pid,
    });
    expect(report.cipher).toEqual(expect.stringMatching(/^TLS_/));
    expect(server.stats).toMatchObject({ accepted: 1, handshakeFailed: 0 });
  });

  it('openssl s_client: -servername picks the SNI certificate, -alpn the protocol', async () => {
    const server = await servers.tls(TLSReportHandler, {
      ...base(),
      sni: { 'other.test': { key: certs.other.key, cert: certs.other.cert } },
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const other = await sClient(server.serverAddress, certs.ca.certFile, [
      '-servername',
      'other.test',
      '-alpn',
      'http/1.1',
    ]);
    expect(other.code).toBe(0);
    expect(other.stdout).toMatch(/subject=\s*CN\s*=\s*other\.test/);
    expect(other.stdout).toContain('ALPN protocol: http/1.1');
    expect(reportIn(other.stdout)).toMatchObject({
      servername: 'other.test',
      alpnProtocol: 'http/1.1',
    });
    const fallback = await sClient(server.serverAddress, certs.ca.certFile, [
      '-servername',
      'localhost',
    ]);
    expect(fallback.code).toBe(0);
    expect(fallback.stdout).toMatch(/subject=\s*CN\s*=\s*localhost/);
  });

  it("Python's ssl module: verified connection, TLS 1.3, ALPN, reply", async () => {
    const server = await servers.tls(TLSReportHandler, {
      ...base(),
      ALPNProtocols: ['sockserve/1'],
    });
    const result = await pythonClient(server.serverAddress, certs.ca.certFile);
    expect(result).toMatchObject({ version: 'TLSv1.3', alpn: 'sockserve/1', peer: 'localhost' });
    expect(JSON.parse(result.reply)).toMatchObject({
      line: 'from python',
      servername: 'localhost',
    });
  });

  it('mutual TLS: a client certificate the CA signed is accepted and shown to the handler', async () => {
    const server = await servers.tls(TLSReportHandler, {
      ...base(),
      ca: certs.ca.cert,
      requestCert: true,
    });
    const openssl = await sClient(server.serverAddress, certs.ca.certFile, [
      '-cert',
      certs.client.certFile,
      '-key',
      certs.client.keyFile,
    ]);
    expect(openssl.code).toBe(0);
    expect(reportIn(openssl.stdout)).toMatchObject({
      authorized: true,
      peer: 'test client',
    });
    const python = await pythonClient(server.serverAddress, certs.ca.certFile, certs.client);
    expect(JSON.parse(python.reply)).toMatchObject({ authorized: true, peer: 'test client' });
  });

  it('rejectUnauthorized: false lets the handler see an unverified client certificate', async () => {
    const server = await servers.tls(TLSReportHandler, {
      ...base(),
      ca: certs.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    });
    const result = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'localhost',
      key: certs.stranger.key,
      cert: certs.stranger.cert,
    });
    expect(JSON.parse(result.reply)).toMatchObject({
      authorized: false,
      authorizationError: expect.stringMatching(/SELF_SIGNED|UNABLE_TO/),
      peer: 'stranger',
    });
  });

  it('TLSServer.create() is the async constructor; serverAddress is the bound one', async () => {
    const server = await TLSServer.create({ host: '127.0.0.1', port: 0 }, TLSReportHandler, base());
    try {
      expect(server.serverAddress.port).toBeGreaterThan(0);
      expect(server.socket?.listening).toBe(true);
    } finally {
      await server.serverClose();
    }
  });
});
