// A third party's use of the published conformance suite: @sockserve/conformance from its
// tarball runs its stream suite over @sockserve/tcp (also from a tarball) under two strategies.
import { describeStreamServer } from '@sockserve/conformance';
import { AsyncStrategy, SequentialStrategy } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';

describeStreamServer(
  {
    name: 'TCPServer from the tarballs',
    create: (handler, options) =>
      TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, options),
  },
  [
    { name: 'sequential', make: () => new SequentialStrategy() },
    { name: 'async', make: () => new AsyncStrategy() },
  ],
);
