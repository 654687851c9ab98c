/**
 * TLS behind a PROXY header under threading with the first-bytes hand-over — what
 * `sockserve serve --threads 2 --proxy-protocol … --tls-cert … --tls-key …` runs. The header is
 * read in the server's thread; the socket has read, so it is relayed to a worker, which runs
 * the handshake over the relay. The client here sends the header and its ClientHello in one
 * segment (as a load balancer that forwards at once does): the case that lost data. The
 * header's rest (the ClientHello) was put back, the first-bytes wait took it from the socket's
 * buffer and stopped the handle, and nothing started it again — the client's Finished and its
 * line stayed in the kernel, and the client read '' at the handshake timeout (issue 14/16).
 * By hand (the command, a client whose segments the kernel happened to merge) it was 5 of 12.
 */
import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import { duplexPair } from 'node:stream';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { useCerts } from '@sockserve/test-support';
import { ThreadingStrategy } from '@sockserve/threading';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { EchoLinesHandler } from './fixtures/handlers.js';
import { Servers } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = new Servers();
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await servers.closeAll();
});

const HEADER = 'PROXY TCP4 192.0.2.7 192.0.2.8 40000 443\r\n';

/**
 * A TLS client on `port` whose first segment is `HEADER` and its ClientHello together: the TLS
 * client speaks into an in-memory pair, its first record is written to the TCP connection in
 * one write with the header, and the two are piped from then on.
 */
async function proxiedTls(port: number): Promise<TLSSocket> {
  const tcp = connectTcp({ host: '127.0.0.1', port });
  sockets.push(tcp);
  await once(tcp, 'connect');
  const [client, wire] = duplexPair();
  const tls = connectTls({ socket: client, ca: certs.ca.cert, servername: 'localhost' });
  sockets.push(tls);
  const [hello] = (await once(wire, 'data')) as [Buffer];
  wire.pause();
  tcp.write(Buffer.concat([Buffer.from(HEADER), hello])); // one write: one segment on loopback
  wire.pipe(tcp);
  tcp.pipe(wire);
  await once(tls, 'secureConnect');
  return tls;
}

/** Ends `tls` with `line` and resolves everything read until the server ends. */
async function exchange(tls: TLSSocket, line: string): Promise<string> {
  tls.end(line);
  tls.setEncoding('utf8');
  let got = '';
  for await (const chunk of tls) got += chunk as string;
  return got;
}

it.each(['auto', 'relay'] as const)(
  'transfer %s: a header and a ClientHello in one segment; the line after the handshake reaches the handler',
  async (transfer) => {
    const strategy = new ThreadingStrategy({ minWorkers: 2, maxWorkers: 2, transfer });
    strategy.waitForFirstBytes = true;
    strategy.handlerDefaults = { firstByteTimeout: 10_000 };
    const server = await servers.tls(EchoLinesHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy,
      proxyProtocol: { trusted: ['127.0.0.1/32'] },
    });
    // Back to back from one process, as the command's test client did.
    for (let i = 0; i < 4; i++) {
      const tls = await proxiedTls(server.serverAddress.port);
      tls.write(`hello ${i}\n`);
      expect(await exchange(tls, `again ${i}\n`)).toBe(`hello ${i}\nagain ${i}\n`);
    }
    expect(server.stats).toMatchObject({ accepted: 4, handshakeFailed: 0 });
  },
);
