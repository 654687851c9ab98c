/**
 * The bytes that came with a PROXY header (issue 14), held beside the socket in the server's
 * process, reach a handler in a worker or a child first and in order — with the socket's handle
 * (a child) or relayed (a worker: a socket that has read can't move) — even when the client's
 * FIN came in the same segment, or its next bytes came while they were held. Real loopback
 * sockets; the header is read in the server's process (`parseIn: 'main'`, the default).
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { closeAll, onTeardown, serveTcp, v2Header } from './proxy-servers.ts';

afterEach(closeAll);

/** Sends `writes` (each flushed before the next), then FIN; resolves with everything read to the close. */
async function exchange(port: number, writes: Buffer[]): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  onTeardown(async () => socket.destroy());
  await once(socket, 'connect');
  let reply = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    reply += chunk;
  });
  const closed = once(socket, 'close');
  for (const data of writes)
    await new Promise<void>((resolve) => socket.write(data, () => resolve()));
  socket.end();
  await closed;
  return reply;
}

describe.each(['async', 'threading', 'forking'] as const)('%s', (strategy) => {
  it('header, a line and the FIN in one segment: the line, answered', async () => {
    const server = await serveTcp(strategy, ProxyEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const socket = connect({ host: '127.0.0.1', port: server.serverAddress.port });
    onTeardown(async () => socket.destroy());
    await once(socket, 'connect');
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      reply += chunk;
    });
    const closed = once(socket, 'close');
    socket.end(Buffer.concat([v2Header('203.0.113.9', 4242), Buffer.from('all at once\n')]));
    await closed;
    expect(reply).toBe('203.0.113.9:4242 v2 PROXY all at once\n');
    expect(server.errors).toEqual([]);
  });

  it('the start of a line held with the header, its end sent later: one line, in order', async () => {
    const server = await serveTcp(strategy, ProxyEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const reply = await exchange(server.serverAddress.port, [
      Buffer.concat([v2Header('203.0.113.9', 4242), Buffer.from('held ')]),
      Buffer.from('then '),
      Buffer.from('the wire\n'),
    ]);
    expect(reply).toBe('203.0.113.9:4242 v2 PROXY held then the wire\n');
    expect(server.stats).toMatchObject({ accepted: 1 });
    expect(server.errors).toEqual([]);
  });
});
