/**
 * A connection counted accepted that the queue then refuses — a subscriber to
 * `sockserve:connection.accepted` stopped the transport in between — is reset and counted
 * `dropped`, so that the close report's `accepted = finished + cut + refused + dropped +
 * detached` still holds and no connection stays open unserved.
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { NetListenerTransport } from '../src/kit/index.js';
import { readAll } from './fixtures/net.js';
import { loopbackListener } from './fixtures/net-listener.js';

const teardown: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step();
});

it('an accepted connection the stopped queue refuses is reset and counted dropped', async () => {
  const transport = new NetListenerTransport(loopbackListener());
  teardown.push(() => transport.close());
  await transport.bind();
  const address = transport.address;
  if (address.family === 'unix') throw new Error('not TCP');

  const accepted = Promise.withResolvers<void>();
  // Runs inside the transport's accept, between counting and queueing the connection.
  const stopOnAccepted = () => {
    transport.stopAccepting();
    accepted.resolve();
  };
  subscribe('sockserve:connection.accepted', stopOnAccepted);
  teardown.push(() => unsubscribe('sockserve:connection.accepted', stopOnAccepted));

  const client = connect({ host: address.host, port: address.port });
  teardown.push(() => client.destroy());
  const seen = readAll(client);
  // Resumes after the accept that published the event returned.
  await accepted.promise;
  expect(transport.stats).toMatchObject({ accepted: 1, dropped: 1, refused: 0 });
  const result = await seen;
  expect(result.data).toBe('');
  expect(result.error?.code).toBe('ECONNRESET');
  // Nothing was queued for the serve loop, and nothing is left to drop at close.
  expect(await transport.take()).toBeUndefined();
  await transport.close();
  expect(transport.stats.dropped).toBe(1);
});
