/**
 * A handler that reads its client to the end of stream in a loop and answers after the loop
 * (the client half-closed: it sent everything with `end()` and waits for the reply). A plain
 * `for await (const chunk of socket)` destroys the socket when the loop ends on some Node lines
 * (measured: 22.23 and 26.12 do, 24.22 doesn't — nodejs/node#49073, #64275), so the reply is
 * lost there. The two forms the stream README documents answer on every Node CI runs:
 * `socket.iterator({ destroyOnReturn: false })` and `rfile`. Real loopback sockets.
 */

import type { Socket } from 'node:net';
import { exchange } from '@sockserve/conformance';
import { AsyncStrategy, BaseRequestHandler } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

/** Reads the socket to its end with `iterator({ destroyOnReturn: false })`, then answers. */
class KeepOpenIterator extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    let got = '';
    for await (const chunk of this.request.iterator({ destroyOnReturn: false })) {
      got += (chunk as Buffer).toString();
    }
    await new Promise<void>((resolve) => this.request.end(`got ${got}`, () => resolve()));
  }
}

/** Reads `rfile` line by line to its end, then answers through `wfile`. */
class RfileLines extends StreamRequestHandler {
  override async handle(): Promise<void> {
    const lines: string[] = [];
    for await (const line of this.rfile) lines.push(line.toString().trim());
    await this.wfile.write(`got ${lines.join(',')}\n`);
  }
}

async function serve(
  Handler: ConstructorParameters<typeof TCPServer>[1],
  strategy?: AsyncStrategy,
) {
  const server = await TCPServer.create(
    { host: '127.0.0.1', port: 0 },
    Handler,
    strategy === undefined ? {} : { strategy },
  );
  servers.push(server);
  server.serveForever().catch(() => {});
  return server;
}

it.each([
  ['sequential', undefined],
  ['async', new AsyncStrategy()],
] as const)(
  'iterator({ destroyOnReturn: false }): the answer after the loop arrives (%s)',
  async (_name, strategy) => {
    const server = await serve(KeepOpenIterator, strategy);
    expect((await exchange(server.serverAddress, 'one\ntwo\n')).toString()).toBe('got one\ntwo\n');
    // The server goes on: a second client is answered the same way.
    expect((await exchange(server.serverAddress, 'three\n')).toString()).toBe('got three\n');
  },
);

it('rfile: the answer after a line loop that ran to the end of stream arrives', async () => {
  const server = await serve(RfileLines);
  expect((await exchange(server.serverAddress, 'a\nb\nc\n')).toString()).toBe('got a,b,c\n');
  expect((await exchange(server.serverAddress, '')).toString()).toBe('got \n');
});
