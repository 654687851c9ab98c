import { describeStreamServer } from '@sockserve/conformance';
import { AsyncStrategy, SequentialStrategy } from '@sockserve/core';
import { TCPServer } from '../src/index.js';

const strategies = [
  { name: 'sequential', make: () => new SequentialStrategy() },
  { name: 'async', make: () => new AsyncStrategy() },
];

for (const host of ['127.0.0.1', '::1']) {
  describeStreamServer(
    {
      name: `TCPServer ${host}`,
      create: (handler, options) => TCPServer.create({ host, port: 0 }, handler, options),
    },
    strategies,
  );
}
