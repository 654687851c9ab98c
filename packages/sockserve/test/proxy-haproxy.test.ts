/**
 * The `proxyProtocol` option behind a real HAProxy (`send-proxy`, `send-proxy-v2`, health
 * checks on), under the async, threading and forking strategies: a client through HAProxy
 * sees its own address echoed, with the header; HAProxy's checks (connect and reset; v2 a
 * LOCAL header) are counted in `stats.proxyHealthChecks`, never reported as errors; a server that
 * does not trust HAProxy's address closes what it relays.
 */
import diagnostics from 'node:diagnostics_channel';
import { peerResetCode } from '@sockserve/core';
import { startHaproxy } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { askLine, closeAll, onTeardown, STRATEGIES, serveTcp } from './proxy-servers.ts';

afterEach(closeAll);

async function haproxyTo(port: number, serverOptions: string) {
  const haproxy = await startHaproxy([
    { name: 'front', upstream: { host: '127.0.0.1', port }, serverOptions },
  ]);
  onTeardown(() => haproxy.stop());
  return haproxy.ports.front as number;
}

describe.each(Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[])('%s', (strategy) => {
  it.each([
    ['send-proxy', 1],
    ['send-proxy-v2', 2],
  ] as const)(
    'behind HAProxy with %s and health checks, a client sees its own address',
    async (mode, version) => {
      const server = await serveTcp(strategy, ProxyEchoHandler, {
        proxyProtocol: { trusted: ['127.0.0.1/32'] },
      });
      const front = await haproxyTo(server.serverAddress.port, `${mode} check inter 100`);
      const { line, local } = await askLine(front, 'hello\n');
      expect(line).toBe(`127.0.0.1:${local} v${version} PROXY hello\n`);
      // HAProxy's checks connect and reset (often before the accept), or send a LOCAL header
      // (v2) or a line of their own addresses (v1) first: counted, never an error.
      await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBeGreaterThan(0), {
        timeout: 5000,
      });
      expect(server.stats.proxyRejected ?? 0).toBe(0);
      // A v1 check is a line of the check's own addresses, then a reset: indistinguishable
      // from a client that resets (the default handleError gives it one line). v2: none.
      const errors =
        version === 1
          ? server.errors.filter((error) => peerResetCode(error) === undefined)
          : server.errors;
      expect(errors).toEqual([]);
    },
  );
});

it('a server that does not trust HAProxy closes what it relays: counted and published as untrusted', async () => {
  const rejected: Array<{ reason: string }> = [];
  const listen = (message: unknown) => rejected.push(message as { reason: string });
  diagnostics.subscribe('sockserve:proxy.rejected', listen);
  onTeardown(async () => diagnostics.unsubscribe('sockserve:proxy.rejected', listen));
  const server = await serveTcp('async', ProxyEchoHandler, {
    proxyProtocol: { trusted: ['10.0.0.0/8', 'fd00::/8'] },
  });
  const front = await haproxyTo(server.serverAddress.port, 'send-proxy-v2');
  const { line } = await askLine(front, 'hello\n');
  expect(line).toBe('');
  expect(server.stats.proxyRejected).toBeGreaterThanOrEqual(1);
  expect(server.stats.accepted).toBe(0);
  expect(rejected[0]).toMatchObject({ reason: 'untrusted', clientAddress: { host: '127.0.0.1' } });
  expect(server.errors).toEqual([]);
});
