/** A real UDP client for the tests: a dgram socket on loopback that queues what it receives. */
import { createSocket } from 'node:dgram';
import type { InetAddress } from '@sockserve/core';
import type { DatagramClient } from './datagram-suite.js';
import { Inbox } from './inbox.js';

/** Binds a client socket of the server's family and talks to `server`. */
export async function udpClient(server: InetAddress): Promise<DatagramClient> {
  const v6 = server.family === 'IPv6';
  const socket = createSocket(v6 ? 'udp6' : 'udp4');
  const target =
    server.host === '::' ? '::1' : server.host === '0.0.0.0' ? '127.0.0.1' : server.host;
  await new Promise<void>((resolve) => socket.bind(0, v6 ? '::1' : '127.0.0.1', resolve));
  const inbox = new Inbox();
  socket.on('message', inbox.push);
  return {
    send: (data) =>
      new Promise<void>((resolve, reject) =>
        socket.send(data, server.port, target, (error) => (error ? reject(error) : resolve())),
      ),
    receive: () => inbox.receive(),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
