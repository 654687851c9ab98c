/**
 * A `DatagramRequestHandler`'s reply by callback (`replyThen`, `FINISH_THEN`): the server's
 * own lifecycle sends the reply without a promise per datagram — a failed send still reaches
 * `handleError()` and `request.end` with the system error, in Python's order (`handle`,
 * `finish`, `handleError`, `shutdownRequest`), and a subclass that overrides `finish()` still
 * has its own `finish()` called.
 */

import { createSocket, type Socket } from 'node:dgram';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { SocketAddress } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UDPServer, type UdpDatagramRequest } from '../src/index.js';

const open: Array<UDPServer | Socket> = [];
afterEach(async () => {
  for (const item of open.splice(0)) {
    if (item instanceof UDPServer) await item.serverClose();
    else await new Promise<void>((resolve) => item.close(() => resolve()));
  }
});

/** Larger than any IPv4 UDP payload (65,507 bytes): the system refuses to send it. */
const TOO_LARGE = 70_000;

const log: string[] = [];

/** Upper-cases the datagram into wfile; `big` asks for a reply too large to send. */
class UpperHandler extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    const asked = this.packet.toString();
    log.push(`handle ${asked}`);
    await this.wfile.write(asked === 'big' ? Buffer.alloc(TOO_LARGE) : asked.toUpperCase());
  }
}

/** Overrides finish(): its own code runs, then the reply. */
class LoggingFinishHandler extends UpperHandler {
  override async finish(): Promise<void> {
    log.push(`finish ${this.packet}`);
    await super.finish();
  }
}

class LoggingServer extends UDPServer {
  readonly errors: unknown[] = [];

  override handleError(request: UdpDatagramRequest, _client: SocketAddress, error: unknown) {
    log.push(`handleError ${request.data}`);
    this.errors.push(error);
  }

  override shutdownRequest(request: UdpDatagramRequest): void | Promise<void> {
    log.push(`shutdown ${request.data}`);
    return super.shutdownRequest(request);
  }
}

async function client(): Promise<Socket> {
  const socket = createSocket('udp4');
  open.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function nextMessage(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(data.toString())));
}

async function serving(handler: typeof UpperHandler): Promise<LoggingServer> {
  const server = new LoggingServer({ host: '127.0.0.1', port: 0 }, handler);
  open.push(server);
  await server.ready;
  server.serveForever().catch(() => {});
  return server;
}

describe('DatagramRequestHandler reply by callback', () => {
  it('a failed reply reaches handleError and request.end with EMSGSIZE; the next is answered', async () => {
    log.length = 0;
    const ends = new Map<string, unknown>();
    const bothEnded = Promise.withResolvers<void>();
    const onEnd = (message: unknown) => {
      const { request, error } = message as { request: UdpDatagramRequest; error: unknown };
      ends.set(request.data.toString(), error);
      if (ends.size === 2) bothEnded.resolve();
    };
    subscribe('sockserve:request.end', onEnd);
    try {
      const server = await serving(UpperHandler);
      const socket = await client();
      const port = server.serverAddress.port;
      const after = nextMessage(socket);
      socket.send('big', port, '127.0.0.1');
      socket.send('next', port, '127.0.0.1');
      expect(await after).toBe('NEXT');
      // The reply's callback may come after the client read the answer: wait for the ends.
      await bothEnded.promise;

      expect(server.errors).toHaveLength(1);
      expect(server.errors[0]).toBeInstanceOf(Error);
      expect(server.errors[0]).toMatchObject({ code: 'EMSGSIZE', syscall: 'send' });
      expect(ends.get('big')).toBe(server.errors[0]);
      expect(ends.get('next')).toBeUndefined();
      // The two run at once (async): each keeps Python's order.
      expect(log.filter((line) => line.endsWith(' big'))).toEqual([
        'handle big',
        'handleError big',
        'shutdown big',
      ]);
      expect(log.filter((line) => line.endsWith(' next'))).toEqual([
        'handle next',
        'shutdown next',
      ]);
    } finally {
      unsubscribe('sockserve:request.end', onEnd);
    }
  });

  it('a subclass overriding finish() has it called; the reply still goes out', async () => {
    log.length = 0;
    const server = await serving(LoggingFinishHandler);
    const socket = await client();
    const answer = nextMessage(socket);
    const ended = Promise.withResolvers<void>();
    const onEnd = () => ended.resolve();
    subscribe('sockserve:request.end', onEnd);
    try {
      socket.send('hi', server.serverAddress.port, '127.0.0.1');
      expect(await answer).toBe('HI');
      await ended.promise;
    } finally {
      unsubscribe('sockserve:request.end', onEnd);
    }
    expect(log).toEqual(['handle hi', 'finish hi', 'shutdown hi']);
    expect(server.errors).toEqual([]);
  });

  it("the server's lifecycle replies with replyThen(), not reply()", async () => {
    const used: string[] = [];
    class Watched extends UpperHandler {
      override setup(): void {
        super.setup();
        const request = this.request as UdpDatagramRequest;
        const { reply, replyThen } = request;
        Object.assign(request, {
          reply: (data: Uint8Array) => {
            used.push('reply');
            return reply.call(request, data);
          },
          replyThen: (data: Uint8Array, done: (error?: Error | null) => void) => {
            used.push('replyThen');
            replyThen.call(request, data, done);
          },
        });
      }
    }
    log.length = 0;
    const server = await serving(Watched);
    const socket = await client();
    const answer = nextMessage(socket);
    socket.send('a', server.serverAddress.port, '127.0.0.1');
    expect(await answer).toBe('A');
    expect(used).toEqual(['replyThen']);
  });
});

describe('UdpDatagramRequest.replyThen', () => {
  it('calls back with null once sent, with the system error when the send fails or the socket is closed', async () => {
    const seen = Promise.withResolvers<UdpDatagramRequest>();
    class Keep extends DatagramRequestHandler {
      override handle(): void {
        seen.resolve(this.request as UdpDatagramRequest);
      }
      // Answers by hand below.
      override async finish(): Promise<void> {}
    }
    const server = new UDPServer({ host: '127.0.0.1', port: 0 }, Keep);
    open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    const socket = await client();
    socket.send('x', server.serverAddress.port, '127.0.0.1');
    const request = await seen.promise;

    const answer = nextMessage(socket);
    const sent = await new Promise<unknown>((resolve) =>
      request.replyThen(Buffer.from('ok'), resolve),
    );
    expect(sent).toBeNull();
    expect(await answer).toBe('ok');

    const failed = await new Promise<unknown>((resolve) =>
      request.replyThen(Buffer.alloc(TOO_LARGE), resolve),
    );
    expect(failed).toMatchObject({ code: 'EMSGSIZE', syscall: 'send' });

    await server.serverClose();
    const closed = await new Promise<unknown>((resolve) =>
      request.replyThen(Buffer.from('late'), resolve),
    );
    expect(closed).toMatchObject({ code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  });
});
