/**
 * The `proxyProtocol` option behind a real HAProxy (`send-proxy`, `send-proxy-v2`, health
 * checks on), under the async, threading and forking strategies: a client through HAProxy
 * sees its own address echoed, with the header; HAProxy's checks (connect and reset; v2 a
 * LOCAL header) are counted in `stats.proxyHealthChecks`, never reported as errors; a server that
 * does not trust HAProxy's address closes what it relays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import {
  askLine,
  closeAll,
  expectHealthChecksCounted,
  haproxyTo,
  rejections,
  STRATEGIES,
  serveTcp,
} from './proxy-servers.ts';

afterEach(closeAll);

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
      await expectHealthChecksCounted(server, version);
    },
  );
});

it('a server that does not trust HAProxy closes what it relays: counted and published as untrusted', async () => {
  const rejected = rejections();
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
