/**
 * The examples as a user runs them: real processes, real sockets, the Node clients and the
 * Python documentation's own clients; SIGINT and SIGTERM stop a server with exit code 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_CASES, removeSocketDirs } from '../lib/cases.ts';
import { examplePath, type RunningExample, runClient, startExample } from '../lib/spawn-example.ts';

const running: RunningExample[] = [];
afterEach(async () => {
  for (const example of running.splice(0)) await example.stop('SIGKILL');
  removeSocketDirs();
});

async function start(name: string, args: string[]): Promise<RunningExample> {
  const example = await startExample(name, args);
  running.push(example);
  return example;
}

describe.each(EXAMPLE_CASES.map((c) => [c.server, c] as const))('%s', (_name, example) => {
  it('prints one listening line, answers every client, exits 0 on SIGTERM', async () => {
    const server = await start(example.server, example.serverArgs());
    for (const client of example.clients(server.address)) {
      const out = await runClient(client.command, client.args, client.env);
      expect(out).toContain(example.expected);
      expect(out).toMatch(/^Sent: {5}.*\nReceived: .*\n$/);
    }
    // Each example's handler prints at least one line per request.
    await server.waitForOutput(1);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output.filter((line) => line.startsWith('listening on'))).toEqual([]);
  });

  it('exits 0 on SIGINT', async () => {
    const server = await start(example.server, example.serverArgs());
    expect(await server.stop('SIGINT')).toBe(0);
  });
});

it('the TCP server prints what the Python docs server prints', async () => {
  const server = await start('tcp-server.ts', ['--host', '127.0.0.1', '--port', '0']);
  await runClient(process.execPath, [
    examplePath('tcp-client.ts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(server.port),
    'hi',
  ]);
  expect(await server.waitForOutput(2)).toEqual(['127.0.0.1 wrote:', 'hi']);
  expect(await server.stop('SIGTERM')).toBe(0);
  expect(server.output).toEqual(['127.0.0.1 wrote:', 'hi']);
});

it('the TCP examples listen on IPv6 ::1', async () => {
  const server = await start('tcp-stream-server.ts', ['--host', '::1', '--port', '0']);
  expect(server.address).toMatch(/^\[::1\]:\d+$/);
  const out = await runClient(process.execPath, [
    examplePath('tcp-client.ts'),
    '--host',
    '::1',
    '--port',
    String(server.port),
    'v6',
  ]);
  expect(out).toBe('Sent:     v6\nReceived: V6\n');
});

// Many servers and clients in one program: 22 s of wall time at load 27 (2 s of CPU).
it('the demo runs every exchange and exits 0', { timeout: 120_000 }, async () => {
  const out = await runClient(process.execPath, [examplePath('demo.ts')]);
  expect(out).toContain('demo: every exchange answered');
  expect(out).not.toContain('FAIL');
});

it("threaded-tcp.ts: the Python docs' ThreadingMixIn example, three clients served by three threads", async () => {
  const out = await runClient(process.execPath, [examplePath('threaded-tcp.ts')]);
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toBe('Server loop running in thread: main');
  const received = lines.slice(1).map((line) => /^Received: (.+?): (Hello World \d)$/.exec(line));
  expect(received.map((m) => m?.[2])).toEqual(['Hello World 1', 'Hello World 2', 'Hello World 3']);
  expect(new Set(received.map((m) => m?.[1])).size).toBe(3);
});
