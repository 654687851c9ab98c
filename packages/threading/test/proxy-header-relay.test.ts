/**
 * A PROXY header and the client's first bytes in one segment, under threading with the
 * first-bytes hand-over (what `sockserve serve --threads --proxy-protocol` runs): the header is
 * read in the server's thread and its rest put back, so the first-bytes wait takes that rest
 * from the socket's buffer, not from the kernel, and stops the socket's handle while the
 * stream still counts a read as outstanding. The socket has read, so it is relayed to a
 * worker; the relay must start the handle again itself — before the fix nothing did, and every
 * byte after the first segment stayed in the kernel (issue 14/16: the line after a TLS
 * handshake never reached the handler; here, the second line of a plain connection).
 */
import { LineClient } from '@sockserve/conformance';
import { TCPServer } from '@sockserve/tcp';
import { closeAfterEach } from '@sockserve/test-support';
import { ThreadingStrategy } from '@sockserve/threading';
import { afterEach, expect, it } from 'vitest';
import { EchoLinesHandler } from './fixtures/head-bytes.ts';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 1_000 });

const HEADER = 'PROXY TCP4 192.0.2.7 192.0.2.8 40000 443\r\n';

it.each(['auto', 'relay'] as const)(
  'transfer %s: bytes after the segment that carried the header and the first line reach the worker',
  async (transfer) => {
    const strategy = new ThreadingStrategy({ minWorkers: 1, maxWorkers: 2, transfer });
    strategy.waitForFirstBytes = true;
    // The handler gives up on a silent client after 10 s: before the fix the client then read
    // the end of stream instead of its echo.
    strategy.handlerDefaults = { firstByteTimeout: 10_000, idleTimeout: 10_000 };
    const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLinesHandler, {
      strategy,
      proxyProtocol: { trusted: ['127.0.0.1/32'] },
    });
    servers.push(server);
    server.serveForever().catch(() => {});
    // Back to back on one connection each, as a load balancer's connections come.
    for (let i = 0; i < 3; i++) {
      const client = await LineClient.connect(server.serverAddress);
      sockets.push(client.socket);
      client.write(`${HEADER}first ${i}\n`); // one write: one segment on loopback
      expect(await client.line()).toBe('via relay\n');
      expect(await client.line()).toBe(`echo first ${i}\n`);
      client.write(`second ${i}\n`);
      expect(await client.line()).toBe(`echo second ${i}\n`);
      client.socket.end(`third ${i}\n`);
      expect(await client.rest()).toBe(`echo third ${i}\n`);
    }
    expect(server.stats).toMatchObject({ accepted: 3 });
  },
);
