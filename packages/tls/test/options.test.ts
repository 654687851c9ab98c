/**
 * TLSServer's options are checked before anything is bound (exact error class and code), a
 * reload with a bad certificate keeps the old one, and SNICallback is refused where it can't go.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { InvalidOptionError, UnsupportedError } from '@sockserve/core';
import { useCerts } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSServer, type TLSServerOptions } from '../src/index.js';
import { TLSReportHandler } from './fixtures/handlers.js';
import { nodeClient } from './helpers/clients.js';
import { useServers } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();

/** True when nothing listens on `port` any more (a refused connect). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

describe('options, checked before the bind', () => {
  const bad: Array<[string, () => TLSServerOptions, RegExp]> = [
    ['no key', () => ({ cert: certs.server.cert }), /option "key" is required/],
    ['no cert', () => ({ key: certs.server.key }), /option "cert" is required/],
    [
      'a key that is not PEM',
      () => ({ key: 42 as never, cert: certs.server.cert }),
      /option "key" must be PEM/,
    ],
    [
      'a key that does not match its certificate',
      () => ({ key: certs.other.key, cert: certs.server.cert }),
      /refused by OpenSSL/,
    ],
    [
      'an unknown TLS version',
      () => ({ key: certs.server.key, cert: certs.server.cert, minVersion: 'SSLv3' as never }),
      /option "minVersion" must be "TLSv1" or/,
    ],
    [
      'both sni and SNICallback',
      () => ({
        key: certs.server.key,
        cert: certs.server.cert,
        sni: {},
        SNICallback: (_name: string, callback: (error: Error | null) => void) => callback(null),
      }),
      /give "sni" or "SNICallback", not both/,
    ],
    [
      'an unknown option (a typo)',
      () => ({ key: certs.server.key, cert: certs.server.cert, requestCerts: true }) as never,
      /unknown option "requestCerts" for TLSServer/,
    ],
  ];
  it.each(bad)(
    '%s is an InvalidOptionError thrown by the constructor',
    (_name, options, message) => {
      let error: unknown;
      try {
        new TLSServer({ host: '127.0.0.1', port: 0 }, TLSReportHandler, options());
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({
        code: 'ERR_SOCKSERVE_INVALID_OPTION',
        message: expect.stringMatching(message),
      });
    },
  );

  it('SNICallback under threading: create() rejects with UnsupportedError and leaves nothing listening', async () => {
    const server = new (ThreadingMixIn(TLSServer))(
      { host: '127.0.0.1', port: 0 },
      TLSReportHandler,
      {
        key: certs.server.key,
        cert: certs.server.cert,
        SNICallback: (_name: string, callback: (error: Error | null) => void) => callback(null),
        maxWorkers: 1,
      },
    );
    const error = await server.ready.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_UNSUPPORTED',
      message: expect.stringMatching(/SNICallback can't run under the threading strategy/),
    });
    const port = (server.socket?.address() as { port?: number } | null)?.port;
    if (port !== undefined) expect(await refused(port)).toBe(true);
    await server.serverClose();
  });
});

describe('reloadCertificates', () => {
  it('a key that does not match keeps the old certificate (InvalidOptionError)', async () => {
    const server = await servers.tls(TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
    });
    let error: unknown;
    try {
      server.reloadCertificates({ key: certs.other.key, cert: certs.renewed.cert });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_INVALID_OPTION' });
    const served = await nodeClient(server.serverAddress, {
      ca: certs.ca.cert,
      servername: 'localhost',
    });
    expect(JSON.parse(served.reply)).toMatchObject({ line: 'hello' });
    expect(served.fingerprint).toBe(new X509Certificate(certs.server.cert).fingerprint256);
  });
});
