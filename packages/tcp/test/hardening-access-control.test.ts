/**
 * Production hardening on a real TCP server: CIDR access control (`accessControl()`, on
 * `net.BlockList`) as the server's `verifyRequest`, and its rules validated at once.
 */
import type { Socket } from 'node:net';
import { exchange } from '@sockserve/conformance';
import { accessControl, BaseRequestHandler, type SocketAddress } from '@sockserve/core';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import type { TCPServer } from '../src/index.js';
import { asyncServe } from './fixtures/hardening.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });
const serve = asyncServe(open);

describe('access control (CIDR on net.BlockList)', () => {
  class AddressHandler extends BaseRequestHandler<Socket> {
    override handle() {
      return new Promise<void>((resolve) => this.request.end('in\n', () => resolve()));
    }
  }

  it('deny wins; allow restricts; IPv4 seen as ::ffff: on a dual-stack socket is checked as IPv4', async () => {
    const { server } = await serve(AddressHandler, {}, '');
    const port = (server.serverAddress as { port: number }).port;
    const to = (host: string): SocketAddress => ({ family: 'IPv4', host, port });
    server.verifyRequest = accessControl({
      allow: ['::1/128', '127.0.0.0/8'],
      deny: ['127.0.0.1'],
    });
    expect((await exchange(to('127.0.0.1'), '')).toString()).toBe('');
    expect((await exchange(to('::1'), '')).toString()).toBe('in\n');
    server.verifyRequest = accessControl({ allow: ['127.0.0.0/8'] });
    expect((await exchange(to('127.0.0.1'), '')).toString()).toBe('in\n');
    expect((await exchange(to('::1'), '')).toString()).toBe('');
  });

  it('rejects an invalid rule at once, naming it', () => {
    expect(() => accessControl({ allow: ['10.0.0.0/33'] })).toThrow(
      'option "allow" must be IP addresses or CIDR ranges like "10.0.0.0/8" or "fd00::/8"; received "10.0.0.0/33"',
    );
    expect(() => accessControl({ deny: ['example.com'] })).toThrow(
      expect.objectContaining({ option: 'deny' }),
    );
    expect(
      accessControl({ allow: ['10.0.0.0/8'], unix: false })(undefined, {
        family: 'unix',
        path: '',
      }),
    ).toBe(false);
  });
});
