/** The conformance suites under forking, on all four transports, in both modes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDatagramServer, describeStreamServer, udpClient } from '@sockserve/conformance';
import type { InetAddress } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { UDPServer } from '@sockserve/udp';
import { UnixDatagramServer, UnixStreamServer } from '@sockserve/unix';
import { afterAll, expect } from 'vitest';

import { unixDgramClient } from '../../unix/test/unix-dgram-client.ts';
import { childrenOf } from './fixtures/processes.ts';

const dir = mkdtempSync(join(tmpdir(), 'sockserve-forking-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  expect(childrenOf()).toEqual([]);
});
let n = 0;
const path = () => join(dir, `s${++n}.sock`);

const modes = [
  { name: 'forking (pool)', make: () => new ForkingStrategy({ maxChildren: 2 }) },
  { name: 'forking (per-request)', make: () => new ForkingStrategy({ mode: 'per-request' }) },
];
const relay = [
  {
    name: 'forking (pool, relay)',
    make: () => new ForkingStrategy({ maxChildren: 2, transfer: 'relay' }),
  },
];

describeStreamServer(
  { name: 'TCPServer', create: (h, o) => TCPServer.create({ host: '127.0.0.1', port: 0 }, h, o) },
  [...modes, ...relay],
);
describeStreamServer(
  { name: 'UnixStreamServer', create: (h, o) => UnixStreamServer.create(path(), h, o) },
  modes,
);
describeDatagramServer(
  {
    name: 'UDPServer',
    create: (h, o) => UDPServer.create({ host: '127.0.0.1', port: 0 }, h, o),
    client: (server) => udpClient(server.serverAddress as InetAddress),
  },
  modes,
);
describeDatagramServer(
  {
    name: 'UnixDatagramServer',
    create: (h, o) => UnixDatagramServer.create(path(), h, o),
    client: (server) => Promise.resolve(unixDgramClient((server as UnixDatagramServer).path)),
  },
  modes,
);
