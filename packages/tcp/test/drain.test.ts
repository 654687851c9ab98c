/**
 * `server.drain({ delay, timeout })` (issue 15): reports draining at once, keeps accepting and
 * serving for `delay`, then stops listening, serves what it accepted and waits for what runs up
 * to `timeout`; resolves with the close's report. Bad options throw before anything changes.
 */
import { HangOnRequestHandler, LineClient, UpperLinesHandler } from '@sockserve/conformance';
import { AsyncStrategy, InvalidOptionError } from '@sockserve/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TCPServer } from '../src/index.js';

const open: TCPServer[] = [];
const clients: LineClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const server of open.splice(0)) await server.serverClose({ timeout: 0 });
});

async function serve(handler: ConstructorParameters<typeof TCPServer>[1]) {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    strategy: new AsyncStrategy(),
  });
  open.push(server);
  server.serveForever().catch(() => {});
  return server;
}

async function connect(server: TCPServer): Promise<LineClient> {
  const client = await LineClient.connect(server.serverAddress);
  clients.push(client);
  return client;
}

describe('drain()', () => {
  it('reports draining at once and keeps accepting during the delay; a close ends the delay and shares the report', async () => {
    const server = await serve(UpperLinesHandler);
    expect(server.health).toBe('ready');
    const drained = server.drain({ delay: 600_000 });
    expect(server.health).toBe('draining');
    // A connection made during the delay is accepted and served.
    const late = await connect(server);
    late.write('late\n');
    expect(await late.line()).toBe('LATE\n');
    late.socket.end();
    const closed = server.serverClose();
    expect(await drained).toBe(await closed);
    expect(await closed).toMatchObject({ accepted: 1, finished: 1, cut: 0, dropped: 0 });
    expect(server.health).toBe('stopped');
  });

  it('after the delay the listener is closed: a new connection is refused, the one in hand is served', async () => {
    const server = await serve(UpperLinesHandler);
    const address = server.serverAddress;
    const inHand = await connect(server);
    inHand.write('first\n');
    expect(await inHand.line()).toBe('FIRST\n');
    const drained = server.drain({ delay: 20 });
    // The connection in hand still gets answers while the drain waits for it.
    inHand.write('second\n');
    expect(await inHand.line()).toBe('SECOND\n');
    inHand.socket.end();
    const report = await drained;
    expect(report).toMatchObject({ accepted: 1, finished: 1, cut: 0, dropped: 0 });
    await expect(LineClient.connect(address)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('cuts what still runs when the timeout passes, and counts it', async () => {
    const server = await serve(HangOnRequestHandler);
    const hung = await connect(server);
    hung.write('hang\n');
    expect(await hung.line()).toBe('hanging\n');
    const report = await server.drain({ delay: 0, timeout: 50 });
    expect(report).toMatchObject({ accepted: 1, finished: 0, cut: 1 });
    expect(await hung.rest().catch(() => '')).toBe('');
  });

  it('a connection that had sent nothing yet when the listener closed still gets its first request served', async () => {
    const server = await serve(UpperLinesHandler);
    const fresh = await connect(server);
    // Its handler runs and waits for the first line: the request is still "on the wire".
    await vi.waitFor(() => expect(server.inFlight).toBe(1), { timeout: 10_000 });
    const drained = server.drain({ delay: 0 });
    fresh.write('late\n');
    expect(await fresh.line()).toBe('LATE\n');
    fresh.socket.end();
    expect(await drained).toMatchObject({ accepted: 1, finished: 1, cut: 0 });
  });

  it('one that never sends is ended after its grace (FIRST_REQUEST_GRACE_MS), not held until the timeout', async () => {
    const server = await serve(UpperLinesHandler);
    const silent = await connect(server);
    await vi.waitFor(() => expect(server.inFlight).toBe(1), { timeout: 10_000 });
    const report = await server.drain({ delay: 0 });
    expect(report).toMatchObject({ accepted: 1, finished: 1, cut: 0 });
    expect(await silent.rest()).toBe('');
  });

  it('a second drain() shares the first one', async () => {
    const server = await serve(UpperLinesHandler);
    const first = server.drain({ delay: 0 });
    expect(server.drain({ delay: 600_000 })).toBe(first);
    expect(await first).toMatchObject({ accepted: 0 });
  });

  it.each([
    [{ delay: -1 }, 'delay'],
    [{ timeout: 'soon' }, 'timeout'],
    [{ delai: 5 }, 'delai'],
  ])(
    'bad options %j: InvalidOptionError naming %s, and the server goes on serving',
    async (options, option) => {
      const server = await serve(UpperLinesHandler);
      let thrown: unknown;
      try {
        server.drain(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionError);
      expect(thrown).toMatchObject({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option });
      expect(server.health).toBe('ready');
      const client = await connect(server);
      client.write('still\n');
      expect(await client.line()).toBe('STILL\n');
    },
  );
});
