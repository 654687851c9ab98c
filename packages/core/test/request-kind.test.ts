/** isStreamRequest / isDatagramRequest: how strategies tell the two request kinds apart. */
import { Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type DatagramRequest, isDatagramRequest, isStreamRequest } from '../src/index.js';

const datagram: DatagramRequest = {
  data: Buffer.from('x'),
  canReply: true,
  reply: async () => {},
};

describe('request kinds', () => {
  it('a net.Socket or any Duplex is a stream request, nothing else is', () => {
    const socket = new Socket();
    expect(isStreamRequest(socket)).toBe(true);
    socket.destroy();
    expect(isStreamRequest(new PassThrough())).toBe(true);
    expect(isStreamRequest(Readable.from([]))).toBe(false);
    expect(isStreamRequest(datagram)).toBe(false);
    expect(isStreamRequest(undefined)).toBe(false);
  });

  it('a datagram request has data (a Buffer), canReply and reply()', () => {
    expect(isDatagramRequest(datagram)).toBe(true);
    expect(isDatagramRequest({ ...datagram, data: 'x' })).toBe(false);
    expect(isDatagramRequest({ data: Buffer.from('x'), canReply: true })).toBe(false);
    expect(isDatagramRequest(new PassThrough())).toBe(false);
    expect(isDatagramRequest(null)).toBe(false);
  });
});
