/**
 * waitForFirstBytes (remote/first-bytes.ts): exactly one chunk is read and put back, and the
 * socket stops reading from the kernel inside the callback that delivered it — so bytes and
 * the end of stream the client sent after that chunk stay in the kernel until a relay starts
 * reading again. `pause()` alone would not do it: Node keeps reading until its buffer is full
 * (the test's control socket shows it taking the end of stream).
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { Teardown } from '@sockserve/test-support';
import { afterEach, expect, it, vi } from 'vitest';
import { waitForFirstBytes } from '../src/remote/first-bytes.js';
import { startReading } from '../src/remote/read-bytes.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

/** A loopback connection whose accepted end is paused (as a listener hands it over). */
async function pausedPair(): Promise<{ client: Socket; server: Socket }> {
  const listener: Server = createServer({ pauseOnConnect: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  teardown.add(() => new Promise((resolve) => listener.close(resolve)));
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  teardown.add(() => client.destroy());
  const [[server]] = (await Promise.all([
    once(listener, 'connection'),
    once(client, 'connect'),
  ])) as [[Socket], unknown];
  teardown.add(() => server.destroy());
  return { client, server };
}

/** The stream state's `ended`: the end of stream was read from the kernel (even if unconsumed). */
const endRead = (socket: Socket) =>
  (socket as unknown as { _readableState: { ended: boolean } })._readableState.ended;

it('reads one chunk, puts it back, and leaves the end of stream in the kernel', async () => {
  const tested = await pausedPair();
  // The control does what `pause()` alone does: Node reads on, and takes the FIN.
  const control = await pausedPair();
  // The bytes and the FIN are in each server's receive queue before it starts waiting.
  for (const { client } of [tested, control]) client.end('hello');
  await Promise.all([once(tested.client, 'finish'), once(control.client, 'finish')]);
  const controlRead = new Promise<void>((resolve) => {
    control.server.once('data', (chunk: Buffer) => {
      control.server.pause();
      control.server.unshift(chunk);
      resolve();
    });
  });
  control.server.resume();
  const waited = waitForFirstBytes(tested.server, null).result;
  await controlRead;
  expect(await waited).toEqual({ kind: 'data' });
  // Once the control has read its FIN, the tested socket had every chance to read its own.
  await vi.waitFor(() => expect(endRead(control.server)).toBe(true), { timeout: 10_000 });
  expect(endRead(tested.server)).toBe(false);
  expect(tested.server.readableLength).toBe(5);
  expect(tested.server.bytesRead).toBe(5);
  // A relay starts reading again: the chunk put back comes first, then the end of stream.
  let text = '';
  tested.server.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const ended = once(tested.server, 'end');
  startReading(tested.server);
  tested.server.resume();
  await ended;
  expect(text).toBe('hello');
});
