/**
 * `proxyProtocol: { parseIn: 'runner' }` behind a real HAProxy (`send-proxy`,
 * `send-proxy-v2`, health checks on) under threading and forking: the worker or child reads
 * the header from the moved socket, a client through HAProxy sees its own address echoed,
 * and HAProxy's checks (connect and reset, before or after the socket moved; v2 a LOCAL
 * header) are counted in `stats.proxyHealthChecks` by the server's process, never as errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyWhereEchoHandler } from './fixtures/proxy-echo.ts';
import {
  askLine,
  closeAll,
  expectHealthChecksCounted,
  haproxyTo,
  serveTcp,
  tcpVia,
} from './proxy-servers.ts';

afterEach(closeAll);

describe.each(['threading', 'forking'] as const)('%s', (strategy) => {
  it.each([
    ['send-proxy', 1],
    ['send-proxy-v2', 2],
  ] as const)(
    'behind HAProxy with %s and health checks, read in the runner',
    async (mode, version) => {
      const server = await serveTcp(strategy, ProxyWhereEchoHandler, {
        proxyProtocol: { trusted: ['127.0.0.1/32'], parseIn: 'runner' },
      });
      const front = await haproxyTo(server.serverAddress.port, `${mode} check inter 100`);
      const { line, local } = await askLine(front, 'hello\n');
      const via = await tcpVia(strategy);
      expect(line).toBe(`127.0.0.1:${local} v${version} PROXY ${via} hello\n`);
      await expectHealthChecksCounted(server, version);
    },
  );
});
