/**
 * The server socket's `lookup` (reply-lookup.ts): once bound, a send to a literal address of
 * the socket's family leaves in the caller's turn (dgram's default lookup deferred every send
 * by a tick); the bind, names and literals of the other family resolve as Node's default.
 */

import { createSocket, type Socket } from 'node:dgram';
import { BaseRequestHandler } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { UDPServer } from '../src/index.js';
import { ReplyLookup } from '../src/reply-lookup.js';

const open: Array<UDPServer | Socket> = [];
afterEach(async () => {
  for (const item of open.splice(0)) {
    if (item instanceof UDPServer) await item.serverClose();
    else await new Promise<void>((resolve) => item.close(() => resolve()));
  }
});

/** Where `lookup` answered: in the caller's turn (`now`) or later (`later`). */
function answered(lookup: ReplyLookup, address: string, family: number) {
  return new Promise<{ when: string; error: unknown; address: string; family: number }>(
    (resolve) => {
      let returned = false;
      lookup.lookup(address, family, (error, resolved, resolvedFamily) =>
        resolve({
          when: returned ? 'later' : 'now',
          error,
          address: resolved,
          family: resolvedFamily,
        }),
      );
      returned = true;
    },
  );
}

describe('ReplyLookup', () => {
  it('answers a literal of the family a tick later until bound, at once after', async () => {
    const lookup = new ReplyLookup();
    expect(await answered(lookup, '127.0.0.1', 4)).toEqual({
      when: 'later',
      error: null,
      address: '127.0.0.1',
      family: 4,
    });
    lookup.markBound();
    expect(await answered(lookup, '127.0.0.1', 4)).toMatchObject({ when: 'now', family: 4 });
    expect(await answered(lookup, '::ffff:127.0.0.1', 6)).toMatchObject({
      when: 'now',
      address: '::ffff:127.0.0.1',
      family: 6,
    });
    // The last literal is remembered with its family: the same text asked as the other family
    // still resolves the default way.
    expect(await answered(lookup, '::ffff:127.0.0.1', 4)).toMatchObject({ when: 'later' });
    expect(await answered(lookup, '::ffff:127.0.0.1', 6)).toMatchObject({ when: 'now' });
  });

  it('resolves a name or a literal of the other family as dns.lookup does, never at once', async () => {
    const lookup = new ReplyLookup();
    lookup.markBound();
    expect(await answered(lookup, 'localhost', 4)).toMatchObject({
      when: 'later',
      error: null,
      address: '127.0.0.1',
      family: 4,
    });
    expect(await answered(lookup, '::1', 4)).toMatchObject({ when: 'later' });
  });
});

describe('UDPServer socket sends', () => {
  it("a send to a sender's literal address leaves in the caller's turn (its callback is the next tick)", async () => {
    const server = new UDPServer({ host: '127.0.0.1', port: 0 }, BaseRequestHandler);
    open.push(server);
    await server.ready;
    const peer = createSocket('udp4');
    open.push(peer);
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const received = new Promise<string>((resolve) =>
      peer.once('message', (data) => resolve(data.toString())),
    );
    const order: string[] = [];
    const sent = new Promise<void>((resolve) => {
      server.socket?.send('hi', peer.address().port, '127.0.0.1', (error) => {
        order.push(error ? `error ${error.message}` : 'sent');
        resolve();
      });
      process.nextTick(() => order.push('tick queued after send'));
    });
    await sent;
    // dgram's default lookup queued the send itself a tick later: 'tick queued after send' first.
    expect(order).toEqual(['sent', 'tick queued after send']);
    expect(await received).toBe('hi');
  });
});
