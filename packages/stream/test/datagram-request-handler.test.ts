/**
 * DatagramRequestHandler over real UDP sockets on 127.0.0.1: the request's `reply()` sends
 * from the server's socket back to the client's, and the test checks what the client gets.
 */
import type { Socket as DatagramSocket, RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import { type DatagramRequest, type SocketAddress, UnanswerableError } from '@sockserve/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DatagramRequestHandler,
  DatagramWriter,
  StreamReader,
  UnexpectedEofError,
} from '../src/index.js';
import { Loopback } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  vi.restoreAllMocks();
  await net.closeAll();
});

const SERVER = { name: 'udp test server' };

interface Exchange {
  readonly client: DatagramSocket;
  readonly serverSocket: DatagramSocket;
  readonly request: DatagramRequest;
  readonly clientAddress: SocketAddress;
  /** Every `reply()` call's bytes, as handed to the socket. */
  readonly replies: Buffer[];
}

/** The client sends `payload`; resolves with the request the server side builds from it. */
async function exchange(payload: string | Buffer): Promise<Exchange> {
  const serverSocket = await net.datagramSocket();
  const client = await net.datagramSocket();
  const arrived = once(serverSocket, 'message') as Promise<[Buffer, RemoteInfo]>;
  client.send(payload, serverSocket.address().port, '127.0.0.1');
  const [data, rinfo] = await arrived;
  const replies: Buffer[] = [];
  const request: DatagramRequest = {
    data,
    canReply: true,
    reply: (reply) =>
      new Promise<void>((resolve, reject) => {
        replies.push(Buffer.from(reply));
        serverSocket.send(reply, rinfo.port, rinfo.address, (error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
  const clientAddress: SocketAddress = { family: 'IPv4', host: rinfo.address, port: rinfo.port };
  return { client, serverSocket, request, clientAddress, replies };
}

/** Runs a handler the way a server does: setup, handle, and finish even when handle throws. */
async function run(handler: DatagramRequestHandler): Promise<void> {
  await handler.setup();
  try {
    await handler.handle();
  } finally {
    await handler.finish();
  }
}

class UpperLines extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(line.toString().toUpperCase());
  }
}

describe('DatagramRequestHandler', () => {
  it('setup exposes the datagram as packet and rfile, and an empty wfile', async () => {
    const { request, clientAddress } = await exchange('first\nsecond');
    const handler = new DatagramRequestHandler(request, clientAddress, SERVER);
    await handler.setup();
    expect(handler.request).toBe(request);
    expect(handler.clientAddress).toEqual(clientAddress);
    expect(handler.server).toBe(SERVER);
    expect(handler.packet).toBe(request.data);
    expect(handler.packet.toString()).toBe('first\nsecond');
    expect(handler.rfile).toBeInstanceOf(StreamReader);
    expect(handler.wfile).toBeInstanceOf(DatagramWriter);
    expect(handler.wfile.length).toBe(0);
  });

  it('rfile reads the packet and never waits: lines, then the rest, then EOF', async () => {
    const { request, clientAddress } = await exchange('one\ntwo\nthree');
    const handler = new DatagramRequestHandler(request, clientAddress, SERVER);
    await handler.setup();
    const { rfile } = handler;
    expect(rfile.buffered).toBe(13);
    expect((await rfile.readline()).toString()).toBe('one\n');
    expect((await rfile.read(2)).toString()).toBe('tw');
    expect((await rfile.read1(100)).toString()).toBe('o\nthree');
    expect((await rfile.readline()).length).toBe(0);
    expect((await rfile.read()).length).toBe(0);
    const error = await rfile.readExactly(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedEofError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_UNEXPECTED_EOF',
      expected: 1,
      partial: Buffer.alloc(0),
    });
  });

  it('finish sends what wfile collected to the client as one datagram', async () => {
    const { client, serverSocket, request, clientAddress, replies } = await exchange('ab\ncd\n');
    const received = once(client, 'message') as Promise<[Buffer, RemoteInfo]>;
    await run(new UpperLines(request, clientAddress, SERVER));
    const [reply, from] = await received;
    expect(reply.toString()).toBe('AB\nCD\n');
    expect(from.port).toBe(serverSocket.address().port);
    expect(replies.map(String)).toEqual(['AB\nCD\n']);
  });

  it('finish replies even when nothing was written: the client gets a 0-byte datagram', async () => {
    const { client, request, clientAddress, replies } = await exchange('ignored');
    const received = once(client, 'message') as Promise<[Buffer, RemoteInfo]>;
    await run(new DatagramRequestHandler(request, clientAddress, SERVER));
    const [reply, info] = await received;
    expect(reply.length).toBe(0);
    expect(info.size).toBe(0);
    expect(replies).toEqual([Buffer.alloc(0)]);
  });

  it('a handler answering from packet makes no rfile; wfile is made on first use', async () => {
    const made = vi.spyOn(StreamReader, 'fromBuffer');
    class FromPacket extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write(this.packet.toString().toUpperCase());
      }
    }
    const { client, request, clientAddress } = await exchange('packet');
    const received = once(client, 'message') as Promise<[Buffer, RemoteInfo]>;
    const handler = new FromPacket(request, clientAddress, SERVER);
    await run(handler);
    expect((await received)[0].toString()).toBe('PACKET');
    expect(made).not.toHaveBeenCalled();
    expect((await handler.rfile.read()).toString()).toBe('packet');
    expect(made).toHaveBeenCalledTimes(1);
  });

  it('finish skips the reply when the sender cannot be answered (canReply false)', async () => {
    const { client, serverSocket, request, clientAddress } = await exchange('from nowhere');
    let replyCalls = 0;
    const unanswerable: DatagramRequest = {
      data: request.data,
      canReply: false,
      reply: () => {
        replyCalls += 1;
        return Promise.reject(new UnanswerableError());
      },
    };
    const received = once(client, 'message') as Promise<[Buffer, RemoteInfo]>;
    const handler = new UpperLines(unanswerable, clientAddress, SERVER);
    await expect(run(handler)).resolves.toBeUndefined();
    expect(handler.wfile.getValue().toString()).toBe('FROM NOWHERE');
    expect(replyCalls).toBe(0);
    // Nothing went out: the first datagram the client gets is a marker sent afterwards.
    serverSocket.send('marker', client.address().port, '127.0.0.1');
    const [first] = await received;
    expect(first.toString()).toBe('marker');
  });

  it('finish still replies when handle threw', async () => {
    class Failing extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write('error: ');
        throw new Error('bad request');
      }
    }
    const { client, request, clientAddress } = await exchange('x');
    const received = once(client, 'message') as Promise<[Buffer, RemoteInfo]>;
    await expect(run(new Failing(request, clientAddress, SERVER))).rejects.toThrow('bad request');
    const [reply] = await received;
    expect(reply.toString()).toBe('error: ');
  });

  it('finish rejects with the error of a failed reply', async () => {
    const { serverSocket, request, clientAddress } = await exchange('x');
    const handler = new DatagramRequestHandler(request, clientAddress, SERVER);
    await handler.setup();
    await handler.wfile.write('lost');
    const closed = once(serverSocket, 'close');
    serverSocket.close();
    await closed;
    await expect(handler.finish()).rejects.toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });

  it('a reply of several KiB arrives whole', async () => {
    class Big extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        for (let i = 0; i < 100; i += 1) await this.wfile.write(`${String(i).padStart(3, '0')}:`);
        await this.wfile.write(Buffer.alloc(8000, 0x2e));
      }
    }
    const { client, request, clientAddress } = await exchange('go');
    const received = once(client, 'message') as Promise<[Buffer, RemoteInfo]>;
    await run(new Big(request, clientAddress, SERVER));
    const [reply] = await received;
    expect(reply.length).toBe(400 + 8000);
    expect(reply.subarray(0, 12).toString()).toBe('000:001:002:');
    expect(reply.subarray(396, 400).toString()).toBe('099:');
  });
});

describe('DatagramWriter', () => {
  it('collects strings and byte arrays (respecting a view offset) and counts the bytes', async () => {
    const writer = new DatagramWriter();
    expect(writer.length).toBe(0);
    expect(writer.getValue().length).toBe(0);
    await expect(writer.write('é-')).resolves.toBeUndefined();
    const bytes = Uint8Array.from([0x61, 0x62, 0x63, 0x64, 0x65]);
    await writer.write(bytes.subarray(1, 4));
    await writer.write(Buffer.from('!'));
    expect(writer.length).toBe(3 + 3 + 1);
    expect(writer.getValue().toString('utf8')).toBe('é-bcd!');
  });

  // BUG (datagram-request-handler.ts, DatagramWriter.write, the Buffer.from(data.buffer, ...)
  // line): a Uint8Array is kept as a view of the caller's memory instead of being copied, so
  // changing the buffer after `await wfile.write(buf)` changes the reply sent in finish().
  // Python's BytesIO (which this mirrors) copies; the write already resolved.
  it('keeps what was written even if the caller reuses its buffer afterwards', async () => {
    const writer = new DatagramWriter();
    const scratch = Buffer.alloc(4);
    scratch.writeUInt32BE(1);
    await writer.write(scratch);
    scratch.writeUInt32BE(2);
    await writer.write(scratch);
    expect([...writer.getValue()]).toEqual([0, 0, 0, 1, 0, 0, 0, 2]);
  });
});
