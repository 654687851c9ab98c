/**
 * The minimum read rate (`minReadRate`, issue 20) in real servers under async, threading and
 * forking: a client trickling a byte every 100 ms is ended once its grace has passed (its
 * handler sees the end and the reason `min-rate`; in process it is also published on
 * `sockserve:connection.idle`), a slow client above the rate is answered, and under forking a
 * trickler that waited for the only child is ended as soon as the child reads it — the time it
 * waited counts — so the next client is answered.
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { LineClient } from '@sockserve/conformance';
import { AsyncStrategy } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import type { MinReadRate } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingStrategy } from '@sockserve/threading';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLinesHandler } from './fixtures/rate-lines.ts';

const RATE: MinReadRate = { bytesPerSecond: 100, graceMs: 500 };

const servers: TCPServer[] = [];
const clients: LineClient[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const client of clients.splice(0)) client.socket.destroy();
  for (const server of servers.splice(0)) {
    await server.shutdown();
    await server.serverClose({ timeout: 1000 });
  }
});

type Kind = 'async' | 'threading' | 'forking';

/** A server under `kind`; the remote ones get the rate as the command sends it: handler defaults. */
async function serve(kind: Kind, rate: MinReadRate = RATE, runners = 2): Promise<TCPServer> {
  const address = { host: '127.0.0.1', port: 0 };
  let server: TCPServer;
  if (kind === 'async') {
    // In process: the rate as the handler's own attribute, no defaults to send.
    const Handler = class extends RateLinesHandler {
      override minReadRate = rate;
    };
    server = await TCPServer.create(address, Handler, { strategy: new AsyncStrategy() });
  } else {
    const strategy =
      kind === 'threading'
        ? new ThreadingStrategy({ maxWorkers: runners })
        : new ForkingStrategy({ maxChildren: runners });
    strategy.handlerDefaults = { minReadRate: rate, firstByteTimeout: 60_000 };
    strategy.waitForFirstBytes = true;
    server = await TCPServer.create(address, RateLinesHandler, { strategy });
  }
  servers.push(server);
  server.serveForever().catch(() => {});
  return server;
}

async function client(server: TCPServer): Promise<LineClient> {
  const line = await LineClient.connect(server.serverAddress);
  clients.push(line);
  return line;
}

/** Sends one byte now and one every `everyMs` (a slowloris). */
function trickle(line: LineClient, everyMs: number): void {
  line.write('a');
  timers.push(setInterval(() => line.socket.writable && line.write('a'), everyMs));
}

describe.each(['async', 'threading', 'forking'] as const)('%s', (kind) => {
  it('a client trickling 10 bytes/s (rate 100, grace 500 ms) is ended after its grace, reason min-rate', async () => {
    const server = await serve(kind);
    const seen: Array<Record<string, unknown>> = [];
    const onIdle = (message: unknown) => seen.push(message as Record<string, unknown>);
    diagnostics.subscribe('sockserve:connection.idle', onIdle);
    try {
      const slow = await client(server);
      const started = performance.now();
      trickle(slow, 100);
      // The partial line is dropped: no echo, only why the reader ended.
      expect(await slow.line()).toBe('ended min-rate\n');
      expect(performance.now() - started).toBeGreaterThanOrEqual(RATE.graceMs);
      expect(await slow.rest()).toBe('');
      if (kind === 'async') {
        // Published where the handler runs: here, in process.
        expect(seen).toHaveLength(1);
        expect(seen[0]).toMatchObject({ reason: 'min-rate', timeout: 500, bytesPerSecond: 100 });
        expect(seen[0]?.['waited']).toBeGreaterThan(500);
      }
    } finally {
      diagnostics.unsubscribe('sockserve:connection.idle', onIdle);
    }
    // Nothing else lost: the server still answers.
    const good = await client(server);
    good.write('next\n');
    expect(await good.line()).toBe('echo next\n');
    expect(server.stats.accepted).toBe(2);
  });

  it('a slow client above the rate (50 bytes every 50 ms) is answered and not ended', async () => {
    // A grace long enough for a loaded machine's stalls; the client sends ten times the rate.
    const server = await serve(kind, { bytesPerSecond: 100, graceMs: 2000 });
    const slow = await client(server);
    const part = 'x'.repeat(50);
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        sent += 1;
        slow.write(sent < 30 ? part : `${part}\n`);
        if (sent === 30) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      timers.push(timer);
    });
    expect(await slow.line()).toBe(`echo ${part.repeat(30)}\n`);
    slow.socket.end();
    expect(await slow.line()).toBe('ended by client\n');
  });
});

it('forking, one child: a trickler that waited for the child is ended when the child reads it, and the next client is answered', async () => {
  // A long grace, so "ended at once" and "ended after a grace of its own" are far apart.
  const rate = { bytesPerSecond: 100, graceMs: 3000 };
  const server = await serve('forking', rate, 1);
  const first = await client(server);
  trickle(first, 100);
  const second = await client(server);
  trickle(second, 100);
  // The first holds the only child until its grace passes.
  expect(await first.line()).toBe('ended min-rate\n');
  // The second waited in the server that long already: the child ends it on reading it.
  // (Counting from the hand-over instead, it would take at least the grace again.)
  const handedOver = performance.now();
  expect(await second.line()).toBe('ended min-rate\n');
  expect(performance.now() - handedOver).toBeLessThan(rate.graceMs);
  const good = await client(server);
  good.write('good\n');
  expect(await good.line()).toBe('echo good\n');
});
