/**
 * The bytes that came with a PROXY header (issue 14), held beside the socket in the server's
 * process, reach a handler in a worker or a child first and in order — with the socket's handle
 * (a child) or relayed (a worker: a socket that has read can't move) — even when the client's
 * FIN came in the same segment, or its next bytes came while they were held. Real loopback
 * sockets; the header is read in the server's process (`parseIn: 'main'`, the default).
 */
import type { Socket } from 'node:net';
import { connectAndCollect, exchangeWrites } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { closeAll, onTeardown, serveTcp, v2Header } from './proxy-servers.ts';

afterEach(closeAll);

/** Replies read as latin1 (one character per byte); each client destroyed in teardown. */
const collect = {
  encoding: 'latin1',
  track: (socket: Socket) => onTeardown(async () => socket.destroy()),
} as const;

describe.each(['async', 'threading', 'forking'] as const)('%s', (strategy) => {
  it('header, a line and the FIN in one segment: the line, answered', async () => {
    const server = await serveTcp(strategy, ProxyEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const { socket, closed } = await connectAndCollect(server.serverAddress.port, collect);
    // end(data): the data and the FIN leave together.
    socket.end(Buffer.concat([v2Header('203.0.113.9', 4242), Buffer.from('all at once\n')]));
    const reply = await closed();
    expect(reply).toBe('203.0.113.9:4242 v2 PROXY all at once\n');
    expect(server.errors).toEqual([]);
  });

  it('the start of a line held with the header, its end sent later: one line, in order', async () => {
    const server = await serveTcp(strategy, ProxyEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const reply = await exchangeWrites(
      server.serverAddress.port,
      [
        Buffer.concat([v2Header('203.0.113.9', 4242), Buffer.from('held ')]),
        Buffer.from('then '),
        Buffer.from('the wire\n'),
      ],
      collect,
    );
    expect(reply).toBe('203.0.113.9:4242 v2 PROXY held then the wire\n');
    expect(server.stats).toMatchObject({ accepted: 1 });
    expect(server.errors).toEqual([]);
  });
});
