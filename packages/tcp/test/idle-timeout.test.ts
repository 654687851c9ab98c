/**
 * A handler's `idleTimeout` / `firstByteTimeout` on a real TCP server (issue 20): a client
 * that sends nothing, or goes quiet between requests, is closed by the server as a finished
 * request — no error reported — and the connection's end is published with its reason.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { AsyncStrategy } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const servers: TCPServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    await server.shutdown();
    await server.serverClose({ timeout: 100 });
  }
});

/** A persistent line echo that gives up on silent clients. */
class PatientEcho extends StreamRequestHandler {
  override firstByteTimeout: number | null = 30;
  override idleTimeout: number | null = 40;
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(line);
  }
}

it('silent and idle clients are closed as finished requests, with their reasons', async () => {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, PatientEcho, {
    strategy: new AsyncStrategy(),
  });
  servers.push(server);
  const errors: unknown[] = [];
  server.handleError = (_request, _address, error) => {
    errors.push(error);
  };
  const ends: unknown[] = [];
  const idle: string[] = [];
  const onEnd = (message: unknown) => ends.push((message as { error: unknown }).error);
  const onIdle = (message: unknown) => idle.push((message as { reason: string }).reason);
  diagnostics.subscribe('sockserve:request.end', onEnd);
  diagnostics.subscribe('sockserve:connection.idle', onIdle);
  server.serveForever().catch(() => {});
  try {
    const { port } = server.serverAddress;
    const silent = connect({ host: '127.0.0.1', port });
    const chatty = connect({ host: '127.0.0.1', port });
    sockets.push(silent, chatty);
    chatty.write('one\n');
    const [reply] = (await once(chatty, 'data')) as [Buffer];
    expect(reply.toString()).toBe('one\n');
    // Both now wait: the server ends each, cleanly (a FIN, not a reset).
    const ended: boolean[] = [];
    const closed = [silent, chatty].map((socket) => {
      socket.on('end', () => ended.push(true));
      socket.resume();
      return once(socket, 'close');
    });
    await Promise.all(closed);
    expect(ended).toEqual([true, true]);
  } finally {
    diagnostics.unsubscribe('sockserve:request.end', onEnd);
    diagnostics.unsubscribe('sockserve:connection.idle', onIdle);
  }
  expect(idle.sort()).toEqual(['first-byte-timeout', 'idle-timeout']);
  expect(ends).toEqual([undefined, undefined]);
  expect(errors).toEqual([]);
});
