/**
 * The hand-off of the bytes that came with a PROXY header to the handler (issue 14), at its
 * edges: the server holds them beside the socket and stops reading meanwhile, so the client's
 * FIN — right after the header, in the same segment, or arriving while they are held — never
 * overtakes them; a reader that reads part of them hands the rest on; a handler that never
 * reads, `pipe()` and `for await` lose nothing either. Real loopback sockets, headers from the
 * encoder.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { BaseRequestHandler } from '@sockserve/core';
import { recv, StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach, connectAndCollect } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';
import { proxyV2Header } from './fixtures/proxy-header.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

const header = proxyV2Header;

/** Released by the test once the client's FIN is out: the handler reads only then. */
let clientDone: Promise<void> = Promise.resolve();

/** Event-loop turns (each with a poll for I/O): what a FIN needs to reach a reading socket. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** rfile to the end of the stream, after the client's FIN is out; answers with the length and the bytes. */
class ReadAllHandler extends StreamRequestHandler {
  override async handle(): Promise<void> {
    await clientDone;
    await turns(4);
    const all = await this.rfile.read();
    await this.wfile.write(`${all.length}:${all.toString()}`);
  }
}

/** Two `recv()`s of 6 bytes each after the client's FIN is out, then one to the end. */
class RecvAfterFinHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    await clientDone;
    await turns(4);
    const first = await recv(this.request, 6);
    const second = await recv(this.request, 6);
    const last = await recv(this.request, 64);
    this.request.end(`${first}|${second}|${last}|`);
  }
}

/** Never reads: answers at once and returns. */
class NeverReadsHandler extends BaseRequestHandler<Socket> {
  override handle(): void {
    this.request.end('not listening');
  }
}

/** Echoes with `pipe()`: the socket into itself, to its end. */
class PipeEchoHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    await clientDone;
    await turns(4);
    this.request.pipe(this.request);
    await once(this.request, 'finish');
  }
}

/** `for await` to the end, after the client's FIN is out. */
class IterateAfterFinHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    await clientDone;
    await turns(4);
    let got = '';
    for await (const chunk of this.request.iterator({ destroyOnReturn: false }))
      got += (chunk as Buffer).toString();
    this.request.end(`[${got}]`);
  }
}

async function serve(handler: typeof BaseRequestHandler<Socket>): Promise<TCPServer> {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
  });
  servers.push(server);
  void server.serveForever();
  return server;
}

/**
 * Sends `writes` one after the other (each flushed before the next), then FIN; the handler is
 * released once the FIN is out (`clientDone`). The whole reply, read to the server's close.
 */
async function exchange(server: TCPServer, writes: Buffer[]): Promise<string> {
  let release = () => {};
  clientDone = new Promise<void>((resolve) => {
    release = resolve;
  });
  const client = await connectAndCollect(server.serverAddress.port, {
    track: (socket) => sockets.push(socket),
  });
  await client.send(...writes);
  client.socket.end(() => release());
  return client.closed();
}

const handler = (of: unknown) => of as typeof BaseRequestHandler<Socket>;

it('FIN right after the header: the reader sees the end of the stream, nothing more', async () => {
  const server = await serve(handler(ReadAllHandler));
  expect(await exchange(server, [header])).toBe('0:');
});

it('header, data and FIN in one segment: the data, then the end', async () => {
  const server = await serve(handler(ReadAllHandler));
  const reply = await exchange(server, [Buffer.concat([header, Buffer.from('all at once')])]);
  expect(reply).toBe('11:all at once');
});

it('FIN arriving while the bytes are held does not overtake them (rfile)', async () => {
  const server = await serve(handler(ReadAllHandler));
  const reply = await exchange(server, [
    Buffer.concat([header, Buffer.from('held, ')]),
    Buffer.from('then the wire'),
  ]);
  expect(reply).toBe('19:held, then the wire');
});

it('the header and the data split across segments arrive whole and in order', async () => {
  const server = await serve(handler(ReadAllHandler));
  const reply = await exchange(server, [
    header.subarray(0, 7),
    Buffer.concat([header.subarray(7), Buffer.from('ab')]),
    Buffer.from('cd'),
    Buffer.from('ef'),
  ]);
  expect(reply).toBe('6:abcdef');
});

it('recv() after recv() after the FIN: the rest of the held bytes, then the wire', async () => {
  const server = await serve(handler(RecvAfterFinHandler));
  const reply = await exchange(server, [
    Buffer.concat([header, Buffer.from('hello\nworld\n')]),
    Buffer.from('more'),
  ]);
  expect(reply).toBe('hello\n|world\n|more|');
});

it('a handler that never reads answers, and the connection closes cleanly', async () => {
  const server = await serve(handler(NeverReadsHandler));
  const reply = await exchange(server, [Buffer.concat([header, Buffer.from('ignored')])]);
  expect(reply).toBe('not listening');
  expect(server.stats.proxyRejected ?? 0).toBe(0);
});

it('pipe() echoes the held bytes first, then the wire, after the FIN', async () => {
  const server = await serve(handler(PipeEchoHandler));
  const reply = await exchange(server, [
    Buffer.concat([header, Buffer.from('one ')]),
    Buffer.from('two'),
  ]);
  expect(reply).toBe('one two');
});

it('for await after the FIN gets the held bytes, then the wire', async () => {
  const server = await serve(handler(IterateAfterFinHandler));
  const reply = await exchange(server, [
    Buffer.concat([header, Buffer.from('one ')]),
    Buffer.from('two'),
  ]);
  expect(reply).toBe('[one two]');
});
