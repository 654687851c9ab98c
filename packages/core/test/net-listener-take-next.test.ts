/**
 * `NetListenerTransport.takeNext()`, the serve loop's fast path for TCP and Unix stream: a
 * connection accepted while the loop waits reaches the handler from the `'connection'` event,
 * counted and published (`sockserve:connection.accepted`) first; one already queued is returned at once; a subclass
 * that overrides `take()` is still served through it.
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import type { IncomingRequest } from '../src/index.js';
import { NetListenerTransport } from '../src/kit/index.js';
import { loopbackListener } from './fixtures/net-listener.js';

const open: NetListenerTransport[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const transport of open.splice(0)) await transport.close();
});

class PlainTransport extends NetListenerTransport {}

function make<T extends NetListenerTransport>(
  Kind: new (config: ConstructorParameters<typeof NetListenerTransport>[0]) => T,
): T {
  const made = new Kind(loopbackListener());
  open.push(made);
  return made;
}

async function dial(transport: NetListenerTransport): Promise<Socket> {
  const address = transport.address;
  if (address.family === 'unix') throw new Error('not TCP');
  const client = connect({ host: address.host, port: address.port });
  client.on('error', () => {});
  clients.push(client);
  await once(client, 'connect');
  return client;
}

it('a connection accepted while the loop waits is handed over from its event, counted first', async () => {
  const transport = make(PlainTransport);
  await transport.bind();
  const seen: string[] = [];
  const onAccepted = () => seen.push('accepted');
  subscribe('sockserve:connection.accepted', onAccepted);
  try {
    const handed = Promise.withResolvers<IncomingRequest<Socket> | undefined>();
    const now = transport.takeNext((incoming) => {
      seen.push(`handed (accepted: ${transport.stats.accepted})`);
      handed.resolve(incoming);
    });
    expect(now).toBeUndefined();
    const client = await dial(transport);
    const incoming = await handed.promise;
    expect(seen).toEqual(['accepted', 'handed (accepted: 1)']);
    expect(incoming?.clientAddress).toMatchObject({ host: '127.0.0.1', port: client.localPort });
    // Handed over in the default state: a 'data' listener starts the flow.
    expect(incoming?.request.readableFlowing).toBeNull();
    incoming?.request.end('hi\n');
    const [data] = await once(client, 'data');
    expect(String(data)).toBe('hi\n');
  } finally {
    unsubscribe('sockserve:connection.accepted', onAccepted);
  }
});

it('a connection already queued is returned at once, and onNext is not called', async () => {
  const transport = make(PlainTransport);
  await transport.bind();
  const client = await dial(transport);
  // Accepted and queued (no taker waits).
  await vi.waitFor(() => expect(transport.stats.accepted).toBe(1));
  const calls: unknown[] = [];
  const incoming = transport.takeNext((next) => calls.push(next));
  expect(incoming?.clientAddress).toMatchObject({ port: client.localPort });
  expect(incoming?.request.readableFlowing).toBeNull();
  expect(calls).toEqual([]);
});

it('onNext gets undefined once the transport stops accepting with nothing queued', async () => {
  const transport = make(PlainTransport);
  await transport.bind();
  const calls: unknown[] = [];
  expect(transport.takeNext((next) => calls.push(next))).toBeUndefined();
  transport.stopAccepting();
  expect(calls).toEqual([undefined]);
});

it('a subclass that overrides take() is served through its take()', async () => {
  const taken: string[] = [];
  class CountingTransport extends NetListenerTransport {
    override async take(signal?: AbortSignal) {
      taken.push('take');
      return super.take(signal);
    }
  }
  const transport = make(CountingTransport);
  await transport.bind();
  const handed = Promise.withResolvers<IncomingRequest<Socket> | undefined>();
  expect(transport.takeNext(handed.resolve)).toBeUndefined();
  const client = await dial(transport);
  const incoming = await handed.promise;
  expect(taken).toEqual(['take']);
  expect(incoming?.clientAddress).toMatchObject({ port: client.localPort });
});

it("an error a subclass's take() rejects with reaches the loop's onError, not a clean end", async () => {
  const failure = new Error('take failed');
  class FailingTransport extends NetListenerTransport {
    override async take(): Promise<IncomingRequest<Socket> | undefined> {
      throw failure;
    }
  }
  const transport = make(FailingTransport);
  await transport.bind();
  const onNext = vi.fn();
  const failed = Promise.withResolvers<unknown>();
  expect(transport.takeNext(onNext, undefined, failed.resolve)).toBeUndefined();
  expect(await failed.promise).toBe(failure);
  expect(onNext).not.toHaveBeenCalled();
});
