/**
 * `sockserve serve --proxy-protocol CIDR --tls-cert --tls-key` under `--async`, `--threads 2`
 * and `--processes 2`: a client (playing the load balancer) sends a v1 PROXY header in the
 * clear, then does TLS on the same connection; the handler sees the header's source. The
 * header is read first (before the queue), the TLS handshake after it. A TLS client that
 * sends no header is closed (its ClientHello is not a PROXY signature) and the server goes
 * on. Certificates are made by `openssl req` at test time (the TLS package's helper).
 */
import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { useCerts } from '@sockserve/test-support';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';

const certs = useCerts({ beforeAll, afterAll });

const teardown = new Teardown();
afterEach(() => teardown.run());

const HEADER = 'PROXY TCP4 192.0.2.7 192.0.2.8 40000 443\r\n';

/**
 * Connects to `port`, sends `header` in the clear (none when ''), then TLS on the same socket:
 * sends `line`, resolves the first line back; rejects when TLS never comes up.
 */
async function overTls(port: number, header: string, line: string): Promise<string> {
  const tcp = connectTcp({ host: '127.0.0.1', port });
  teardown.add(() => tcp.destroy());
  await once(tcp, 'connect');
  if (header !== '') tcp.write(header);
  const tls = connectTls({ socket: tcp, ca: certs.ca.cert, servername: 'localhost' });
  teardown.add(() => tls.destroy());
  await once(tls, 'secureConnect');
  tls.write(line);
  tls.setEncoding('utf8');
  let got = '';
  for await (const chunk of tls) {
    got += chunk as string;
    if (got.includes('\n')) break;
  }
  tls.destroy();
  return got;
}

const check = async (strategy: string[]) => {
  const cli = new CliProcess([
    'serve',
    '--tcp',
    '127.0.0.1:0',
    ...strategy,
    '--proxy-protocol',
    '127.0.0.1/32',
    '--tls-cert',
    certs.server.certFile,
    '--tls-key',
    certs.server.keyFile,
    './client-address.mjs',
  ]);
  teardown.add(() => cli.stop('SIGKILL'));
  const port = portOf(await cli.listening());

  expect(await overTls(port, HEADER, 'HELLO\n')).toBe('192.0.2.7:40000 v1 HELLO\n');
  // No header: the ClientHello is refused as a bad PROXY signature, before any handshake.
  await expect(overTls(port, '', 'HELLO\n')).rejects.toMatchObject({
    code: expect.stringMatching(/^(ECONNRESET|ERR_SSL_|EPIPE)|^$/),
  });
  // …and the next client through the "balancer" is served.
  expect(await overTls(port, HEADER, 'AGAIN\n')).toBe('192.0.2.7:40000 v1 AGAIN\n');
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
};

// `--threads 2`: the socket has read (the header), so it is relayed to a worker, which runs
// TLS over the relay. This used to lose the line sent after the handshake whenever the header
// and the ClientHello arrived in one segment (the relay never restarted the socket's reading;
// issue 14/16); the library-level regressions are packages/tls/test/proxy-over-relay.test.ts
// and packages/threading/test/proxy-header-relay.test.ts.
it.each([['--async'], ['--threads', '2'], ['--processes', '2']])(
  '--proxy-protocol 127.0.0.1/32 with --tls-cert/--tls-key %s: a v1 header, then TLS; the handler sees the header',
  (...strategy) => check(strategy),
);
