/**
 * The SNI callback is installed only when there is something to choose (an `sni` table or
 * the user's `SNICallback`): a server with one certificate skips Node's asynchronous
 * certificate callback on every handshake. What a client sees must not change with it: the
 * name it asked for still reaches the handler, and a reload that adds or drops the `sni`
 * table takes effect for the next client — in this process and in a worker.
 */
import { X509Certificate } from 'node:crypto';
import { AsyncStrategy } from '@sockserve/core';
import { useCerts } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSServer } from '../src/index.js';
import { TLSReportHandler } from './fixtures/handlers.js';
import { nodeClient } from './helpers/clients.js';
import { useServers } from './helpers/serve.js';

class ThreadingTLSServer extends ThreadingMixIn(TLSServer) {}

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();

const address = { host: '127.0.0.1', port: 0 };

const cases = [
  {
    name: 'async',
    make: () =>
      new TLSServer(address, TLSReportHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        strategy: new AsyncStrategy(),
      }),
  },
  {
    name: 'threading (2 workers)',
    make: () =>
      new ThreadingTLSServer(address, TLSReportHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        minWorkers: 2,
        maxWorkers: 2,
      }),
  },
] as const;

describe.each(cases)('TLSServer without sni, $name', ({ make }) => {
  it('reports the name the client asked for; a reload adds, then drops, SNI certificates', async () => {
    const server = await servers.start(make());
    const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
    // Verified against the CA; the name is not checked: the point is which certificate came.
    const asking = (servername: string) =>
      nodeClient(server.serverAddress, {
        ca: certs.ca.cert,
        servername,
        checkServerIdentity: () => undefined,
      });

    const before = await asking('other.test');
    expect(before.fingerprint).toBe(fingerprint(certs.server.cert));
    expect(JSON.parse(before.reply)).toMatchObject({ line: 'hello', servername: 'other.test' });

    server.reloadCertificates({
      key: certs.renewed.key,
      cert: certs.renewed.cert,
      sni: { 'other.test': { key: certs.other.key, cert: certs.other.cert } },
    });
    const named = await asking('other.test');
    expect(named.fingerprint).toBe(fingerprint(certs.other.cert));
    expect(JSON.parse(named.reply)).toMatchObject({ servername: 'other.test' });
    expect((await asking('localhost')).fingerprint).toBe(fingerprint(certs.renewed.cert));

    server.reloadCertificates({ key: certs.server.key, cert: certs.server.cert });
    const dropped = await asking('other.test');
    expect(dropped.fingerprint).toBe(fingerprint(certs.server.cert));
    expect(JSON.parse(dropped.reply)).toMatchObject({ servername: 'other.test' });
  });
});
