/**
 * PROXY v2 on Unix datagram servers (spec 3.4: every datagram carries a whole header;
 * `trusted` is `['any']`, the socket file's permissions decide who sends), with a real peer:
 * python3's `socket.AF_UNIX`/`SOCK_DGRAM` plays the proxy. The handler sees the header's
 * source and the header, the reply goes back to the sender (the proxy); a datagram without a
 * header is dropped, counted and published; LOCAL is served with the sender's own path. Also
 * `sockserve serve --unix-dgram PATH --proxy-protocol any`, and the option checked before
 * anything is bound.
 */
import { execFile } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvalidOptionError } from '@sockserve/core';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { UnixDatagramServer } from '@sockserve/unix';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess } from './cli-process.js';
import { ProxyDatagramEchoHandler } from './fixtures/proxy-echo.ts';
import { removeTempDirs, tempDir } from './helpers.ts';
import { closeAll, onTeardown, STRATEGIES } from './proxy-servers.ts';

afterEach(async () => {
  await closeAll();
  removeTempDirs();
});

const run = promisify(execFile);

/** python3 bound at `clientPath` sends each datagram to `serverPath`, then prints `replies` replies (sorted). */
async function python(
  clientPath: string,
  serverPath: string,
  replies: number,
  datagrams: Buffer[],
): Promise<string[]> {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(sys.argv[1])',
    's.settimeout(20)',
    'for h in sys.argv[4:]: s.sendto(bytes.fromhex(h), sys.argv[2])',
    'got = sorted(s.recv(65536).decode() for _ in range(int(sys.argv[3])))',
    'print("\\n".join(got))',
  ].join('\n');
  const { stdout } = await run('python3', [
    '-c',
    script,
    clientPath,
    serverPath,
    String(replies),
    ...datagrams.map((d) => d.toString('hex')),
  ]);
  return stdout.split('\n').filter((line) => line !== '');
}

const header = encodeProxyHeader({
  version: 2,
  family: 'IPv4',
  transport: 'dgram',
  source: { family: 'IPv4', host: '198.51.100.7', port: 5353 },
  destination: { family: 'IPv4', host: '198.51.100.8', port: 53 },
});
const local = encodeProxyHeader({ version: 2, command: 'LOCAL', family: 'unspec' });

describe.each(Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[])('%s', (strategy) => {
  it('each datagram with a v2 header: the handler sees its source, the reply goes to the proxy; none: dropped', async () => {
    const seen: Array<{ reason: string; clientAddress: unknown }> = [];
    const listen = (message: unknown) => seen.push(message as (typeof seen)[number]);
    diagnostics.subscribe('sockserve:proxy.rejected', listen);
    onTeardown(async () => diagnostics.unsubscribe('sockserve:proxy.rejected', listen));
    const dir = tempDir();
    const serverPath = join(dir, 'server.sock');
    const server = await UnixDatagramServer.create(serverPath, ProxyDatagramEchoHandler, {
      proxyProtocol: { trusted: ['any'] },
      strategy: STRATEGIES[strategy](),
    });
    const loop = server.serveForever();
    onTeardown(async () => {
      await server.shutdown();
      await loop;
      await server.serverClose();
    });
    const clientPath = join(dir, 'proxy.sock');
    const replies = await python(clientPath, serverPath, 2, [
      Buffer.from('no header'),
      Buffer.concat([header, Buffer.from('query')]),
      Buffer.concat([local, Buffer.from('check')]),
    ]);
    expect(replies).toEqual([`198.51.100.7:5353 v2 query`, `unix:${clientPath} v2 check`].sort());
    expect(server.stats).toMatchObject({ accepted: 2, proxyRejected: 1 });
    expect(seen).toEqual([
      expect.objectContaining({
        reason: 'bad-signature',
        clientAddress: { family: 'unix', path: clientPath },
      }),
    ]);
  });
});

it.each([
  [{ trusted: ['127.0.0.1'] }],
  [{ trusted: ['any'], headerTimeout: 1000 }],
  [{ trusted: ['any'], versions: [1] }],
])(
  'proxyProtocol %j on a Unix datagram server is an InvalidOptionError before binding',
  (proxyProtocol) => {
    const path = join(tempDir(), 'never.sock');
    expect(
      () => new UnixDatagramServer(path, ProxyDatagramEchoHandler, { proxyProtocol } as never),
    ).toThrow(
      expect.objectContaining({
        constructor: InvalidOptionError,
        code: 'ERR_SOCKSERVE_INVALID_OPTION',
      }),
    );
    expect(existsSync(path)).toBe(false);
  },
);

it('sockserve serve --unix-dgram PATH --proxy-protocol any: the handler module sees the real client', async () => {
  const dir = tempDir();
  const serverPath = join(dir, 'server.sock');
  const cli = new CliProcess([
    'serve',
    '--unix-dgram',
    serverPath,
    '--proxy-protocol',
    'any',
    './datagram-client-address.mjs',
  ]);
  onTeardown(async () => cli.stop('SIGKILL'));
  await cli.listening();
  const replies = await python(join(dir, 'proxy.sock'), serverPath, 1, [
    Buffer.from('no header'),
    Buffer.concat([header, Buffer.from('hello')]),
  ]);
  expect(replies).toEqual(['198.51.100.7:5353 v2 hello']);
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
});

it.each([
  [['--proxy-protocol', '127.0.0.1'], /with --unix-dgram write "any"/],
  [
    ['--proxy-protocol', 'any', '--proxy-header-timeout', '5'],
    /a datagram carries its whole header/,
  ],
])('--unix-dgram with %j is a usage error naming the flag', async (flags, message) => {
  const cli = new CliProcess([
    'serve',
    '--unix-dgram',
    join(tempDir(), 'x.sock'),
    ...flags,
    './datagram-client-address.mjs',
  ]);
  onTeardown(async () => cli.stop('SIGKILL'));
  expect((await cli.exited).code).toBe(2);
  expect(cli.stderr).toMatch(message);
});
