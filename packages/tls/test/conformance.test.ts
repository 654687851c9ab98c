/**
 * The published conformance suite over TLS: TLSServer under every strategy, its clients
 * connecting with `tls.connect` (the suite's `connect` option) and verifying the server's
 * certificate against the test CA.
 */

import { connect, type TLSSocket } from 'node:tls';
import { describeStreamServer } from '@sockserve/conformance';
import { AsyncStrategy, type InetAddress, SequentialStrategy } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { makeCerts } from '@sockserve/test-support';
import { ThreadingStrategy } from '@sockserve/threading';
import { afterAll } from 'vitest';
import { TLSServer } from '../src/index.js';

// Made when the file loads: the suite registers its tests (and their servers) right away.
const certs = makeCerts();
afterAll(() => certs.remove());

describeStreamServer(
  {
    name: 'TLSServer 127.0.0.1',
    create: (handler, options) =>
      TLSServer.create({ host: '127.0.0.1', port: 0 }, handler, {
        key: certs.server.key,
        cert: certs.server.cert,
        ...options,
      }),
    connect: (address) =>
      new Promise<TLSSocket>((resolve, reject) => {
        const { host, port } = address as InetAddress;
        const socket = connect({ host, port, ca: certs.ca.cert, servername: 'localhost' }, () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      }),
  },
  [
    { name: 'sequential', make: () => new SequentialStrategy() },
    { name: 'async', make: () => new AsyncStrategy() },
    { name: 'threading', make: () => new ThreadingStrategy({ maxWorkers: 2 }) },
    {
      name: 'threading (relay)',
      make: () => new ThreadingStrategy({ maxWorkers: 2, transfer: 'relay' }),
    },
    // One child per server: the suite starts 20 servers at once.
    { name: 'forking (pool)', make: () => new ForkingStrategy({ maxChildren: 1 }) },
  ],
);
