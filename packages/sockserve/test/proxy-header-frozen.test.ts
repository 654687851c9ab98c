/**
 * The header a handler sees (`this.proxy`) and the client address taken from it are frozen,
 * read off a real loopback connection through the server's fast path (a whole v2 header and
 * the first line in one write, as a balancer sends them) and through the byte loop (the
 * header split over two writes): nothing a handler does changes what the next reader sees.
 */
import { connect } from 'node:net';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { StreamRequestHandler } from '@sockserve/stream';
import { afterEach, expect, it } from 'vitest';
import { askLine, closeAll, serveTcp, v2Header } from './proxy-servers.ts';

afterEach(closeAll);

/** Answers which of the header's objects are frozen and whether a write to them throws. */
class FrozenReportHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.rfile.readline();
    const proxy = this.proxy;
    if (proxy === undefined) {
      await this.wfile.write('no header\n');
      return;
    }
    let threw = false;
    try {
      (proxy as { command: string }).command = 'LOCAL';
    } catch (error) {
      threw = error instanceof TypeError;
    }
    const frozen = [
      proxy,
      proxy.source,
      proxy.destination,
      proxy.tlvs,
      proxy.tlvs.all,
      this.clientAddress,
    ].map((o) => Object.isFrozen(o));
    await this.wfile.write(`${frozen.join(' ')} ${threw} ${proxy.command}\n`);
  }
}

const all = 'true true true true true true true PROXY\n';

it('this.proxy and its source are frozen: header and line in one write (the fast path)', async () => {
  const server = await serveTcp('async', FrozenReportHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
  });
  const header = v2Header('203.0.113.9', 4242, [{ type: 0x05, value: Buffer.from('id-1') }]);
  const v6 = encodeProxyHeader({
    version: 2,
    family: 'IPv6',
    source: { family: 'IPv6', host: '2001:db8::1', port: 80 },
    destination: { family: 'IPv6', host: '2001:db8::2', port: 443 },
  });
  for (const data of [header, v6]) {
    const { line } = await askLine(
      server.serverAddress.port,
      Buffer.concat([data, Buffer.from('x\n')]),
    );
    expect(line).toBe(all);
  }
});

it('this.proxy is frozen when the header came in two writes (the byte loop)', async () => {
  const server = await serveTcp('async', FrozenReportHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
  });
  const header = v2Header('198.51.100.4', 1234);
  const socket = connect({ host: '127.0.0.1', port: server.serverAddress.port });
  socket.setNoDelay(true);
  const reply = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => socket.write(header.subarray(0, 10), () => resolve()));
  socket.end(Buffer.concat([header.subarray(10), Buffer.from('x\n')]));
  expect(await reply).toBe(all);
});
