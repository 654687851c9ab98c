/**
 * The serve loop's datagram fast path (`takeNext`): a datagram that arrives while the loop
 * waits is served from the socket's own event, without the queue or a promise round-trip —
 * with Python's hook order, `serviceActions()` after each request, the strategy's limits,
 * and nothing lost when the loop stops or was not running yet.
 */
import { once } from 'node:events';
import { DatagramEchoHandler, udpClient } from '@sockserve/conformance';
import { AsyncStrategy, SequentialStrategy, type SocketAddress } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UDPServer, type UdpDatagramRequest } from '../src/index.js';

const open: UDPServer[] = [];
const gates: Array<PromiseWithResolvers<void>> = [];
/** Set while a test's servers close: handlers started then (queued datagrams) don't wait. */
let releasing = false;
afterEach(async () => {
  releasing = true;
  for (const gate of gates) gate.resolve();
  for (const server of open.splice(0)) await server.serverClose();
  gates.length = 0;
  releasing = false;
});

/** Logs every hook of each request, tagged with the datagram's text. */
class LoggingServer extends UDPServer {
  readonly log: string[] = [];

  override verifyRequest(request: UdpDatagramRequest, _client: SocketAddress): boolean {
    this.log.push(`verify ${request.data}`);
    return true;
  }

  override processRequest(request: UdpDatagramRequest, client: SocketAddress): Promise<void> {
    this.log.push(`process ${request.data}`);
    return super.processRequest(request, client);
  }

  override finishRequest(request: UdpDatagramRequest, client: SocketAddress): Promise<void> {
    this.log.push(`finish ${request.data}`);
    return super.finishRequest(request, client);
  }

  override shutdownRequest(request: UdpDatagramRequest): void | Promise<void> {
    this.log.push(`shutdown ${request.data}`);
    return super.shutdownRequest(request);
  }

  override serviceActions(): void {
    this.log.push('serviceActions');
  }
}

/** Counts the handlers running at once; each waits for its gate (one per datagram). */
class GatedHandler extends DatagramRequestHandler {
  static running = 0;
  static most = 0;
  static started: Array<PromiseWithResolvers<void>> = [];

  override async handle(): Promise<void> {
    GatedHandler.running += 1;
    GatedHandler.most = Math.max(GatedHandler.most, GatedHandler.running);
    const gate = Promise.withResolvers<void>();
    gates.push(gate);
    if (releasing) gate.resolve();
    GatedHandler.started.shift()?.resolve();
    await gate.promise;
    GatedHandler.running -= 1;
    await this.wfile.write(this.packet);
  }
}

async function bound<T extends UDPServer>(server: T): Promise<T> {
  open.push(server);
  await server.ready;
  return server;
}

describe('the datagram fast path', () => {
  it("keeps Python's hook order for each datagram, and serviceActions() after each", async () => {
    const server = await bound(
      new LoggingServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, {
        strategy: new AsyncStrategy(),
      }),
    );
    void server.serveForever({ pollInterval: 60_000 });
    const client = await udpClient(server.serverAddress);
    try {
      for (const word of ['a', 'b', 'c']) {
        await client.send(`${word}\n`);
        expect((await client.receive()).toString()).toBe(`${word}\n`);
      }
    } finally {
      await client.close();
    }
    await server.shutdown();
    const steps = (word: string) => [
      `verify ${word}\n`,
      `process ${word}\n`,
      `finish ${word}\n`,
      `shutdown ${word}\n`,
    ];
    for (const word of ['a', 'b', 'c']) {
      const mine = server.log.filter((line) => line.endsWith(` ${word}\n`));
      expect(mine).toEqual(steps(word));
    }
    // The loop hands a datagram over, then runs serviceActions() before it takes the next.
    const handOvers = server.log.filter(
      (line) => line.startsWith('process ') || line === 'serviceActions',
    );
    expect(handOvers).toEqual([
      'process a\n',
      'serviceActions',
      'process b\n',
      'serviceActions',
      'process c\n',
      'serviceActions',
    ]);
  });

  it('serves a datagram that arrived before serveForever(), then those that come later', async () => {
    const server = await bound(
      new UDPServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, {
        strategy: new AsyncStrategy(),
      }),
    );
    const client = await udpClient(server.serverAddress);
    try {
      // The transport's listener was added first: it has queued the datagram when this fires.
      const arrived = once(server.socket as NonNullable<UDPServer['socket']>, 'message');
      await client.send('early\n');
      await arrived;
      expect(server.stats).toMatchObject({ accepted: 1, refused: 0 });
      void server.serveForever();
      expect((await client.receive()).toString()).toBe('early\n');
      await client.send('late\n');
      expect((await client.receive()).toString()).toBe('late\n');
    } finally {
      await client.close();
    }
  });

  it('shutdown() while the loop waits: a datagram sent then waits for the next serveForever()', async () => {
    const server = await bound(
      new UDPServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, {
        strategy: new AsyncStrategy(),
      }),
    );
    const loop = server.serveForever();
    await server.shutdown();
    await loop;
    const client = await udpClient(server.serverAddress);
    try {
      const arrived = once(server.socket as NonNullable<UDPServer['socket']>, 'message');
      await client.send('queued\n');
      await arrived;
      expect(server.inFlight).toBe(0);
      expect(server.stats).toMatchObject({ accepted: 1 });
      void server.serveForever();
      expect((await client.receive()).toString()).toBe('queued\n');
    } finally {
      await client.close();
    }
  });

  for (const [name, strategy] of [
    ['sequential', () => new SequentialStrategy()],
    ['async with maxInFlight 1', () => new AsyncStrategy({ maxInFlight: 1 })],
  ] as const) {
    it(`${name}: a datagram arriving while one runs waits for it`, async () => {
      GatedHandler.running = 0;
      GatedHandler.most = 0;
      GatedHandler.started = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
      const [first, second] = GatedHandler.started as [
        PromiseWithResolvers<void>,
        PromiseWithResolvers<void>,
      ];
      const server = await bound(
        new UDPServer({ host: '127.0.0.1', port: 0 }, GatedHandler, { strategy: strategy() }),
      );
      void server.serveForever();
      const client = await udpClient(server.serverAddress);
      try {
        await client.send('one');
        await first.promise;
        const arrived = once(server.socket as NonNullable<UDPServer['socket']>, 'message');
        await client.send('two');
        await arrived;
        // Accepted and waiting: the first handler still holds the only slot.
        expect(server.stats).toMatchObject({ accepted: 2 });
        expect(GatedHandler.running).toBe(1);
        gates[0]?.resolve();
        expect((await client.receive()).toString()).toBe('one');
        await second.promise;
        gates[1]?.resolve();
        expect((await client.receive()).toString()).toBe('two');
        expect(GatedHandler.most).toBe(1);
      } finally {
        await client.close();
      }
    });
  }
});
