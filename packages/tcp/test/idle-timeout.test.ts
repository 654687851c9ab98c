/**
 * A handler's `idleTimeout` / `firstByteTimeout` on a real TCP server (issue 20): a client
 * that sends nothing, or goes quiet between requests, is closed by the server as a finished
 * request — no error reported — and the connection's end is published with its reason.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect } from 'node:net';
import { AsyncStrategy } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

/** A persistent line echo that gives up on silent clients. */
class PatientEcho extends StreamRequestHandler {
  override firstByteTimeout: number | null = 30;
  override idleTimeout: number | null = 40;
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(line);
  }
}

/**
 * The same echo with a first-byte deadline no test outlives, for the client that does speak:
 * with 30 ms, a server loop stalled past it (a loaded machine) runs the expired timer before
 * it reads the line already waiting, and the chatty client is closed as silent. (Without one
 * the 40 ms idle deadline would cover the first read instead, with the same race.)
 */
class IdleOnlyEcho extends PatientEcho {
  override firstByteTimeout: number | null = 600_000;
}

async function serve(handler: typeof PatientEcho, errors: unknown[]): Promise<number> {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    strategy: new AsyncStrategy(),
  });
  servers.push(server);
  server.handleError = (_request, _address, error) => {
    errors.push(error);
  };
  server.serveForever().catch(() => {});
  return server.serverAddress.port;
}

it('silent and idle clients are closed as finished requests, with their reasons', async () => {
  const errors: unknown[] = [];
  const ends: unknown[] = [];
  const idle: string[] = [];
  const onEnd = (message: unknown) => ends.push((message as { error: unknown }).error);
  const onIdle = (message: unknown) => idle.push((message as { reason: string }).reason);
  diagnostics.subscribe('sockserve:request.end', onEnd);
  diagnostics.subscribe('sockserve:connection.idle', onIdle);
  try {
    const silent = connect({ host: '127.0.0.1', port: await serve(PatientEcho, errors) });
    const chatty = connect({ host: '127.0.0.1', port: await serve(IdleOnlyEcho, errors) });
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
