/**
 * A connection whose handle is sent to another process (`subprocess.send(message, socket)`):
 * it may go only while nothing was read from it, and afterwards the transport recognises the
 * shell left behind — it neither ends it nor destroys it (Node already counted the connection
 * out of the net.Server) — while the child serves the client.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Teardown } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { canMoveSocket, handleMoved, NetListenerTransport } from '../src/kit/index.js';
import { loopbackListener } from './fixtures/net-listener.js';

const CHILD = `process.on('message', (m, socket) => { socket.end('served by ' + process.pid); process.send('done'); });`;

const teardown = new Teardown();
afterEach(() => teardown.run());

async function listening(): Promise<{ transport: NetListenerTransport; port: number }> {
  const transport = new NetListenerTransport(loopbackListener());
  await transport.bind();
  teardown.add(() => transport.close());
  return { transport, port: (transport.address as { port: number }).port };
}

function child(): ChildProcess {
  const started = fork('-e', [CHILD], { execArgv: ['-e', CHILD], stdio: 'ignore' });
  teardown.add(async () => {
    if (started.exitCode === null && started.signalCode === null) {
      started.kill();
      await once(started, 'exit');
    }
  });
  return started;
}

function client(port: number): { socket: Socket; reply: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  teardown.add(() => void socket.destroy());
  const reply = (async () => {
    let text = '';
    for await (const chunk of socket) text += chunk;
    return text;
  })();
  reply.catch(() => {}); // a test that destroys the connection awaits no reply
  return { socket, reply };
}

it('an untouched accepted socket moves; the transport leaves its shell alone and the child answers', async () => {
  const { transport, port } = await listening();
  const { reply } = client(port);
  const incoming = await transport.take();
  const socket = incoming?.request as Socket;
  expect(canMoveSocket(socket)).toBe(true);
  expect(handleMoved(socket)).toBe(false);
  const target = child();
  await new Promise<void>((resolve, reject) =>
    target.send({}, socket, {}, (error) => (error ? reject(error) : resolve())),
  );
  expect(handleMoved(socket)).toBe(true);
  expect(canMoveSocket(socket)).toBe(false);
  transport.shutdownRequest(socket);
  transport.closeRequest(socket);
  expect(socket.destroyed).toBe(false);
  expect(socket.writableEnded).toBe(false);
  expect(await reply).toBe(`served by ${target.pid}`);
});

it('a socket that was read from, or destroyed, does not move; neither counts as moved', async () => {
  const { transport, port } = await listening();
  const { socket: peer } = client(port);
  peer.write('early bytes');
  const socket = (await transport.take())?.request as Socket;
  socket.resume();
  await once(socket, 'data');
  expect(canMoveSocket(socket)).toBe(false);
  expect(handleMoved(socket)).toBe(false);
  socket.destroy();
  expect(canMoveSocket(socket)).toBe(false);
  expect(handleMoved(socket)).toBe(false);
});
