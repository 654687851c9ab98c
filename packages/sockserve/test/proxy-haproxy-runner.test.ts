/**
 * `proxyProtocol: { parseIn: 'runner' }` behind a real HAProxy (`send-proxy`,
 * `send-proxy-v2`, health checks on) under threading and forking: the worker or child reads
 * the header from the moved socket, a client through HAProxy sees its own address echoed,
 * and HAProxy's checks (connect and reset, before or after the socket moved; v2 a LOCAL
 * header) are counted in `stats.proxyHealthChecks` by the server's process, never as errors.
 */
import { peerResetCode } from '@sockserve/core';
import { socketsMoveToWorkers, startHaproxy } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProxyWhereEchoHandler } from './fixtures/proxy-where-echo.ts';
import { askLine, closeAll, onTeardown, serveTcp } from './proxy-servers.ts';

afterEach(closeAll);

/** How a TCP connection reaches the runner: moved, or relayed where Node can't move it to a worker (22). */
const TCP_VIA = {
  threading: (await socketsMoveToWorkers()) ? 'moved' : 'relay',
  forking: 'moved',
} as const;

describe.each(['threading', 'forking'] as const)('%s', (strategy) => {
  const via = TCP_VIA[strategy];
  it.each([
    ['send-proxy', 1],
    ['send-proxy-v2', 2],
  ] as const)(
    'behind HAProxy with %s and health checks, read in the runner',
    async (mode, version) => {
      const server = await serveTcp(strategy, ProxyWhereEchoHandler, {
        proxyProtocol: { trusted: ['127.0.0.1/32'], parseIn: 'runner' },
      });
      const haproxy = await startHaproxy([
        {
          name: 'front',
          upstream: { host: '127.0.0.1', port: server.serverAddress.port },
          serverOptions: `${mode} check inter 100`,
        },
      ]);
      onTeardown(() => haproxy.stop());
      const { line, local } = await askLine(haproxy.ports.front as number, 'hello\n');
      expect(line).toBe(`127.0.0.1:${local} v${version} PROXY ${via} hello\n`);
      await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBeGreaterThan(0), {
        timeout: 5000,
      });
      expect(server.stats.proxyRejected ?? 0).toBe(0);
      // A v1 check is a line of the check's own addresses, then a reset (see proxy-haproxy.test.ts).
      const errors =
        version === 1
          ? server.errors.filter((error) => peerResetCode(error) === undefined)
          : server.errors;
      expect(errors).toEqual([]);
    },
  );
});
