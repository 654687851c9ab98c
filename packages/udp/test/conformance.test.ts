import { describeDatagramServer, udpClient } from '@sockserve/conformance';
import { AsyncStrategy, type InetAddress, SequentialStrategy } from '@sockserve/core';
import { UDPServer } from '../src/index.js';

const strategies = [
  { name: 'sequential', make: () => new SequentialStrategy() },
  { name: 'async', make: () => new AsyncStrategy() },
];

for (const host of ['127.0.0.1', '::1']) {
  describeDatagramServer(
    {
      name: `UDPServer ${host}`,
      create: (handler, options) => UDPServer.create({ host, port: 0 }, handler, options),
      client: (server) => udpClient(server.serverAddress as InetAddress),
    },
    strategies,
  );
}
