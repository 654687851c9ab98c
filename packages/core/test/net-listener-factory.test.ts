/**
 * The net listener takes its `net.Server` from an injected factory (issue 17), so a TLS
 * transport can be a package that touches nothing in core.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type ServerOpts } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { NetListenerTransport, osMaxBacklog } from '../src/kit/index.js';
import { loopbackListener } from './fixtures/net-listener.js';

const open: NetListenerTransport[] = [];
afterEach(async () => {
  for (const transport of open.splice(0)) await transport.close();
});

function transport(factory?: (options: ServerOpts) => Server): NetListenerTransport {
  const made = new NetListenerTransport(
    loopbackListener({
      server: { noDelay: true },
      ...(factory === undefined ? {} : { createServer: factory }),
    }),
  );
  open.push(made);
  return made;
}

it('listens on the server the factory makes, with the options it needs', async () => {
  const calls: ServerOpts[] = [];
  const made: Server[] = [];
  const counted = transport((options) => {
    calls.push(options);
    const server = createServer(options);
    made.push(server);
    return server;
  });
  await counted.bind();
  expect(calls).toEqual([{ noDelay: true, pauseOnConnect: true, allowHalfOpen: true }]);
  expect(counted.listener).toBe(made[0]);
  const address = counted.address;
  if (address.family === 'unix') throw new Error('not TCP');
  const client = connect({ host: address.host, port: address.port });
  client.on('error', () => {});
  const incoming = await counted.take();
  expect(incoming?.clientAddress).toMatchObject({ host: '127.0.0.1', port: client.localPort });
  expect(counted.stats.accepted).toBe(1);
  incoming?.request.end('hi\n');
  const [data] = await once(client, 'data');
  expect(String(data)).toBe('hi\n');
  client.destroy();
  expect(calls).toHaveLength(1);
});

it('without a factory it uses net.createServer', async () => {
  const plain = transport();
  await plain.bind();
  expect(plain.listener?.constructor).toBe(createServer().constructor);
});

it('listens with the OS maximum backlog whatever the queue size', async () => {
  const listens: unknown[] = [];
  const spied = transport((options) => {
    const server = createServer(options);
    const listen = server.listen.bind(server) as (...args: unknown[]) => Server;
    server.listen = ((...args: unknown[]) => {
      listens.push(args[0]);
      return listen(...args);
    }) as Server['listen'];
    return server;
  });
  await spied.bind();
  expect(listens).toEqual([{ host: '127.0.0.1', port: 0, backlog: osMaxBacklog() }]);
});
