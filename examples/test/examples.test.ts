/**
 * The examples as a user runs them: real processes, real loopback sockets, the Node client
 * and the Python documentation's own client; SIGINT and SIGTERM stop a server with exit 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { examplePath, type RunningExample, runClient, startExample } from '../lib/spawn-example.ts';

const running: RunningExample[] = [];
afterEach(async () => {
  for (const example of running.splice(0)) await example.stop('SIGKILL');
});

async function start(name: string, args: string[]): Promise<RunningExample> {
  const example = await startExample(name, args);
  running.push(example);
  return example;
}

describe.each(['tcp-server.ts', 'tcp-stream-server.ts'])('%s', (name) => {
  it('prints one listening line and answers the Node client', async () => {
    const server = await start(name, ['--host', '127.0.0.1', '--port', '0']);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const out = await runClient(process.execPath, [
      examplePath('tcp-client.ts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(server.port),
      'hello',
      'world',
      'with',
      'TCP',
    ]);
    expect(out).toBe('Sent:     hello world with TCP\nReceived: HELLO WORLD WITH TCP\n');
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output).toEqual(['127.0.0.1 wrote:', 'hello world with TCP']);
  });

  it("answers the Python docs' client and exits 0 on SIGINT", async () => {
    const server = await start(name, ['--host', '127.0.0.1', '--port', '0']);
    const out = await runClient(
      'python3',
      [examplePath('python/tcp_client.py'), 'hello', 'world', 'with', 'TCP'],
      {
        SOCKSERVE_HOST: '127.0.0.1',
        SOCKSERVE_PORT: String(server.port),
      },
    );
    expect(out).toBe('Sent:     hello world with TCP\nReceived: HELLO WORLD WITH TCP\n');
    expect(await server.stop('SIGINT')).toBe(0);
  });

  it('listens on IPv6 ::1', async () => {
    const server = await start(name, ['--host', '::1', '--port', '0']);
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
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});

it('the demo runs every exchange and exits 0', async () => {
  const out = await runClient(process.execPath, [examplePath('demo.ts')]);
  expect(out).toContain('demo: every exchange answered');
  expect(out).not.toContain('FAIL');
});
