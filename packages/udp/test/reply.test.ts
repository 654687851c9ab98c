/** UdpDatagramRequest.reply(): resolves once sent, rejects with the system error when a send fails. */
import { createSocket, type Socket } from 'node:dgram';
import { BaseRequestHandler } from '@sockserve/core';
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

/** What each reply() did, in arrival order. */
const outcomes: Array<{ asked: string; error?: unknown }> = [];

/** Replies with the datagram upper-cased, or with TOO_LARGE bytes when asked for `big`. */
class ReplyHandler extends BaseRequestHandler<UdpDatagramRequest> {
  override async handle(): Promise<void> {
    const asked = this.request.data.toString();
    const data = asked === 'big' ? Buffer.alloc(TOO_LARGE) : Buffer.from(asked.toUpperCase());
    try {
      await this.request.reply(data);
      outcomes.push({ asked });
    } catch (error) {
      outcomes.push({ asked, error });
    }
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

describe('UdpDatagramRequest.reply', () => {
  it('rejects with EMSGSIZE when the reply is too large to send; the server goes on', async () => {
    outcomes.length = 0;
    const server = new UDPServer({ host: '127.0.0.1', port: 0 }, ReplyHandler);
    open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    const socket = await client();
    const port = server.serverAddress.port;

    const first = nextMessage(socket);
    socket.send('small', port, '127.0.0.1');
    expect(await first).toBe('SMALL');

    // The failed reply sends nothing; the datagram after it is answered as usual.
    const after = nextMessage(socket);
    socket.send('big', port, '127.0.0.1');
    socket.send('next', port, '127.0.0.1');
    expect(await after).toBe('NEXT');

    expect(outcomes.map((o) => o.asked)).toEqual(['small', 'big', 'next']);
    expect(outcomes[0]?.error).toBeUndefined();
    expect(outcomes[1]?.error).toBeInstanceOf(Error);
    expect(outcomes[1]?.error).toMatchObject({ code: 'EMSGSIZE', syscall: 'send' });
    expect(outcomes[2]?.error).toBeUndefined();
  });

  it('is one object per datagram: the request is its own IncomingRequest', async () => {
    const seen: UdpDatagramRequest[] = [];
    class Keep extends BaseRequestHandler<UdpDatagramRequest> {
      override async handle(): Promise<void> {
        seen.push(this.request);
        await this.request.reply(Buffer.from('ok'));
      }
    }
    const server = new UDPServer({ host: '127.0.0.1', port: 0 }, Keep);
    open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    const socket = await client();
    const answered = nextMessage(socket);
    socket.send('x', server.serverAddress.port, '127.0.0.1');
    expect(await answered).toBe('ok');
    const [request] = seen;
    expect(request?.request).toBe(request);
    expect(request?.canReply).toBe(true);
    expect(request?.clientAddress).toEqual({
      family: 'IPv4',
      host: '127.0.0.1',
      port: socket.address().port,
    });
    expect(Object.isFrozen(request?.clientAddress)).toBe(true);
  });
});
