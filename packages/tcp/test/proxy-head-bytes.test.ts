/**
 * The client's first bytes in the same write as its PROXY header (issue 14): what the server
 * read past the header is put back in the socket, so `rfile`, a handler that reads the socket
 * itself — a `'data'` listener, `for await` — and one `recv()` after another all get them, in
 * order before what follows on the wire. Real loopback sockets, headers from the encoder.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { BaseRequestHandler, requestInfo } from '@sockserve/core';
import { recv, StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach, exchangeWrites } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';
import { proxyV2Header } from './fixtures/proxy-header.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

const header = proxyV2Header;

/** Reads the socket with a 'data' listener up to the first newline; answers with what it got. */
class DataListenerHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    const socket = this.request;
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString();
    };
    socket.on('data', onData);
    while (!got.includes('\n')) await once(socket, 'data');
    socket.off('data', onData);
    socket.write(`${this.clientAddress.family === 'unix' ? '' : this.clientAddress.host} ${got}`);
  }
}

/** Reads the socket with `for await` to its end (the client half-closes); answers with it all. */
class IteratingHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    let got = '';
    // destroyOnReturn: false — on Node 22.23 and 26.12 a plain `for await` over a socket
    // destroys it when the loop ends, so the reply after it is never sent (24.22 lets it
    // through); see answer-after-read-loop.test.ts and the stream README.
    for await (const chunk of this.request.iterator({ destroyOnReturn: false })) {
      got += (chunk as Buffer).toString();
    }
    const proxy = requestInfo(this.request)?.['proxy'] as { version: number } | undefined;
    this.request.end(`v${proxy?.version} ${got}`);
  }
}

/** `rfile`, with a StreamRequestHandler that reads the first line and then the socket's own bytes. */
class LineThenRestHandler extends StreamRequestHandler {
  override async handle(): Promise<void> {
    const first = await this.rfile.readline();
    const second = await this.rfile.readline();
    await this.wfile.write(`${first.toString().trim()}|${second.toString()}`);
  }
}

/** Two `recv()`s of 6 bytes each: the second must get what the first left (a reader per call). */
class RecvTwiceHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    const first = await recv(this.request, 6);
    const second = await recv(this.request, 6);
    this.request.end(`${first.toString()}${second.toString()}`);
  }
}

async function serve(handler: typeof BaseRequestHandler<Socket>): Promise<number> {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
  });
  servers.push(server);
  void server.serveForever();
  return server.serverAddress.port;
}

/** Sends `writes` one after the other (each after the previous was flushed); the reply. */
function exchange(port: number, writes: Buffer[]): Promise<string> {
  return exchangeWrites(port, writes, { track: (socket) => sockets.push(socket) });
}

it("a handler's own 'data' listener gets the bytes that came with the header", async () => {
  const port = await serve(DataListenerHandler as typeof BaseRequestHandler<Socket>);
  const reply = await exchange(port, [Buffer.concat([header, Buffer.from('same write\n')])]);
  expect(reply).toBe('203.0.113.9 same write\n');
});

it('for await over the socket gets them before the bytes that follow on the wire', async () => {
  const port = await serve(IteratingHandler as typeof BaseRequestHandler<Socket>);
  const reply = await exchange(port, [
    Buffer.concat([header, Buffer.from('with the header, ')]),
    Buffer.from('then more\n'),
  ]);
  expect(reply).toBe('v2 with the header, then more\n');
});

it('rfile starts with them and goes on with the socket', async () => {
  const port = await serve(LineThenRestHandler as unknown as typeof BaseRequestHandler<Socket>);
  const reply = await exchange(port, [
    Buffer.concat([header, Buffer.from('first\nsec')]),
    Buffer.from('ond\n'),
  ]);
  expect(reply).toBe('first|second\n');
});

it('recv() after recv() gets the rest of what came with the header (nothing dropped)', async () => {
  const port = await serve(RecvTwiceHandler as typeof BaseRequestHandler<Socket>);
  const reply = await exchange(port, [Buffer.concat([header, Buffer.from('hello\nworld\n')])]);
  expect(reply).toBe('hello\nworld\n');
});
