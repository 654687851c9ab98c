/**
 * `closeGracefully` (what `closeRequest` does to a connection), over real loopback sockets:
 * the usual end of a request — the client's FIN read, the reply written — closes at once
 * without waiting for the close timeout; a connection whose client has not finished sending
 * is drained and closed when the client closes, or destroyed at the timeout.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { expect, it } from 'vitest';
import { closeGracefully } from '../src/kit/index.js';
import { socketPair } from './fixtures/socket-pair.js';

/** Everything the client receives until the server's FIN. */
async function received(client: Socket): Promise<string> {
  let text = '';
  client.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  await once(client, 'end');
  return text;
}

it("the client's FIN read and nothing left to write: closed at once, not at the timeout", async () => {
  const { client, server } = await socketPair();
  client.end('request\n');
  server.resume();
  // Read to the client's FIN, as a handler's line loop does.
  await once(server, 'end');
  server.write('reply\n');
  const reply = received(client);
  // A 60 s timeout: the test's own time limit fails it if the close waited for the deadline.
  const closed = new Promise<void>((resolve) => closeGracefully(server, 60_000, resolve));
  expect(await reply).toBe('reply\n');
  // The client keeps its side open (half-open): only the server's own close ends it.
  await closed;
  expect(server.destroyed).toBe(true);
});

it('a client still sending: its input is drained, and the socket closes when the client closes', async () => {
  const { client, server } = await socketPair();
  client.write('unread input\n');
  let closedCalls = 0;
  const closed = new Promise<void>((resolve) =>
    closeGracefully(server, 60_000, () => {
      closedCalls += 1;
      resolve();
    }),
  );
  const rest = received(client);
  expect(await rest).toBe('');
  client.end();
  await closed;
  expect(closedCalls).toBe(1);
  expect(server.destroyed).toBe(true);
});

it('a client that never closes its side is destroyed at the timeout', async () => {
  const { client, server } = await socketPair();
  client.write('unread input\n');
  const rest = received(client);
  const closed = new Promise<void>((resolve) => closeGracefully(server, 50, resolve));
  expect(await rest).toBe('');
  await closed;
  expect(server.destroyed).toBe(true);
  expect(client.destroyed).toBe(false);
});
