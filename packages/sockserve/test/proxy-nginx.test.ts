/**
 * The `proxyProtocol` option behind a real nginx stream proxy (`proxy_protocol on`: PROXY v1),
 * under the async, threading and forking strategies: a client through nginx sees its own
 * address echoed. Skipped where Debian's stream module is not installed.
 */
import { existsSync } from 'node:fs';
import { NGINX_STREAM_MODULE, startNginx } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { askLine, closeAll, onTeardown, STRATEGIES, serveTcp } from './proxy-servers.ts';

afterEach(closeAll);

describe
  .runIf(existsSync(NGINX_STREAM_MODULE))
  .each(Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[])('%s behind nginx', (strategy) => {
  it('a client through nginx (proxy_protocol on) sees its own address and a v1 header', async () => {
    const server = await serveTcp(strategy, ProxyEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.0/8'], versions: [1] },
    });
    const nginx = await startNginx([
      { name: 'front', upstream: { host: '127.0.0.1', port: server.serverAddress.port } },
    ]);
    onTeardown(() => nginx.stop());
    const { line, local } = await askLine(nginx.ports.front as number, 'hi nginx\n');
    expect(line).toBe(`127.0.0.1:${local} v1 PROXY hi nginx\n`);
    expect(server.stats.proxyRejected ?? 0).toBe(0);
    expect(server.errors).toEqual([]);
  });
});
