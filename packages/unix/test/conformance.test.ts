import { randomUUID } from 'node:crypto';
import { describeDatagramServer, describeStreamServer } from '@sockserve/conformance';
import { AsyncStrategy, SequentialStrategy } from '@sockserve/core';
import { UnixDatagramServer, UnixStreamServer } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';
import { unixDgramClient } from './unix-dgram-client.js';

const strategies = [
  { name: 'sequential', make: () => new SequentialStrategy() },
  { name: 'async', make: () => new AsyncStrategy() },
];
const path = tempSocketPaths();

describeStreamServer(
  {
    name: 'UnixStreamServer',
    create: (handler, options) => UnixStreamServer.create(path(), handler, options),
  },
  strategies,
);
describeStreamServer(
  {
    name: 'UnixStreamServer abstract',
    create: (handler, options) =>
      UnixStreamServer.create(`\0sockserve-test-${randomUUID()}`, handler, options),
  },
  strategies,
);
describeDatagramServer(
  {
    name: 'UnixDatagramServer',
    create: (handler, options) => UnixDatagramServer.create(path(), handler, options),
    client: (server) => Promise.resolve(unixDgramClient((server as UnixDatagramServer).path)),
  },
  strategies,
);
