/**
 * The datagram-server conformance suite (UDP, Unix datagram): CPython's echo tests for
 * UDPServer / UnixDatagramServer, plus sockserve's defined behaviour for empty and oversized
 * datagrams, the error paths, and shutdown from everywhere.
 */
import type { HandlerSource } from '@sockserve/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectRequestEnds, expectAccountedClose, refuseNth } from './close-accounting.js';
import {
  DatagramEchoHandler,
  DatagramExitHandler,
  DatagramFailingHandler,
  DatagramHangHandler,
  DatagramLengthHandler,
  DatagramShutdownInsideHandler,
} from './datagram-handlers.js';
import { collectHandledErrors } from './handled-errors.js';
import {
  type AnyServer,
  type ServerHarness,
  type StrategyCase,
  serverTracker,
  TWENTY_SERVERS_TIMEOUT_MS,
} from './harness.js';

/** A client socket of the transport under test, bound so that replies can reach it. */
export interface DatagramClient {
  /** Sends one datagram to the server. */
  send(data: string | Buffer): Promise<void>;
  /** The next datagram the server sent back. */
  receive(): Promise<Buffer>;
  close(): Promise<void>;
}

/** A datagram transport's harness: servers, plus clients that can talk to them. */
export interface DatagramHarness extends ServerHarness {
  /** A client for `server`. Closed by the suite. */
  client(server: AnyServer): Promise<DatagramClient>;
}

/** Runs the suite for one datagram transport under each strategy. */
export function describeDatagramServer(
  harness: DatagramHarness,
  strategies: readonly StrategyCase[],
): void {
  for (const strategy of strategies) {
    describe(`${harness.name} / ${strategy.name}`, () => datagramCases(harness, strategy));
  }
}

function datagramCases(harness: DatagramHarness, strategy: StrategyCase): void {
  const servers = serverTracker(harness, strategy);
  const clients: DatagramClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
  });

  async function serveWithClient(handler: HandlerSource) {
    const serving = await servers.serve(handler);
    const client = await harness.client(serving.server);
    clients.push(client);
    return { ...serving, client };
  }

  it('echoes three datagrams (CPython test_UDPServer / test_UnixDatagramServer)', async () => {
    const { client } = await serveWithClient(DatagramEchoHandler);
    for (let i = 0; i < 3; i += 1) {
      await client.send(`hello world ${i}\n`);
      expect((await client.receive()).toString()).toBe(`hello world ${i}\n`);
    }
  });

  it('an empty datagram is a request with empty data; the reply is sent even when empty', async () => {
    const { client } = await serveWithClient(DatagramLengthHandler);
    await client.send(Buffer.alloc(0));
    expect((await client.receive()).toString()).toBe('0');
    const echo = await serveWithClient(DatagramEchoHandler);
    await echo.client.send(Buffer.alloc(0));
    expect((await echo.client.receive()).length).toBe(0);
  });

  it('a datagram over maxPacketSize is dropped and counted; the next one is served', async () => {
    const { server, client } = await serveWithClient(DatagramLengthHandler);
    await client.send(Buffer.alloc(8193, 0x61));
    await client.send(Buffer.alloc(8192, 0x62));
    // The intake reads datagrams in order: the reply to the second means the first was seen.
    expect((await client.receive()).toString()).toBe('8192');
    expect(server.stats).toMatchObject({ accepted: 1, oversized: 1, refused: 0 });
  });

  it('an error in handle() goes to handleError() with the client address; serving goes on', async () => {
    const { server, client } = await serveWithClient(DatagramFailingHandler);
    const handled = collectHandledErrors(server);
    await client.send('one');
    await client.send('two');
    await handled.reached(2);
    const messages = handled.calls.map((call) => (call.error as Error).message);
    expect(messages.sort()).toEqual(['boom: one', 'boom: two']);
    expect(handled.calls).toHaveLength(2);
  });

  it('ServerExit from a handler skips handleError() and rejects serveForever()', async () => {
    const { server, loop, client } = await serveWithClient(DatagramExitHandler);
    const handleError = vi.spyOn(server, 'handleError');
    await client.send('exit');
    await expect(loop).rejects.toMatchObject({ code: 'ERR_SOCKSERVE_SERVER_EXIT' });
    expect(handleError).not.toHaveBeenCalled();
  });

  it('handleRequest() serves one datagram; with none it calls handleTimeout() once', async () => {
    const server = await servers.create(DatagramEchoHandler, { timeout: 30 });
    const handleTimeout = vi.spyOn(server, 'handleTimeout');
    await server.handleRequest();
    expect(handleTimeout).toHaveBeenCalledTimes(1);
    const client = await harness.client(server);
    clients.push(client);
    await client.send('one\n');
    await server.handleRequest();
    expect((await client.receive()).toString()).toBe('one\n');
  });

  it('shutdown() from inside a handler stops the loop without deadlock', async () => {
    const { loop, client } = await serveWithClient(DatagramShutdownInsideHandler);
    await client.send('stop');
    expect((await client.receive()).toString()).toBe('stopped');
    await expect(loop).resolves.toBeUndefined();
  });

  it('a close accounts for every datagram (accepted = finished + cut + refused + dropped + detached)', async () => {
    const { server, client } = await serveWithClient(DatagramHangHandler);
    const trace = collectRequestEnds(server);
    try {
      refuseNth(server, 1);
      await client.send('one');
      expect((await client.receive()).toString()).toBe('one');
      await client.send('two');
      await client.send('three');
      expect((await client.receive()).toString()).toBe('three');
      await client.send('hang');
      expect((await client.receive()).toString()).toBe('hanging');
      const report = await server.serverClose({ timeout: 50 });
      expectAccountedClose(report, trace.ends);
    } finally {
      trace.stop();
    }
  });

  it(
    'starts and stops 20 servers at once',
    async () => {
      const started = await Promise.all(
        Array.from({ length: 20 }, () => serveWithClient(DatagramEchoHandler)),
      );
      await Promise.all(started.map(({ client }) => client.send('ping\n')));
      const replies = await Promise.all(started.map(({ client }) => client.receive()));
      expect(replies.map(String)).toEqual(Array(20).fill('ping\n'));
      await Promise.all(started.map(({ server }) => server.shutdown()));
      await Promise.all(started.map(({ loop }) => loop));
    },
    TWENTY_SERVERS_TIMEOUT_MS,
  );
}
