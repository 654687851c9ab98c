/**
 * A real nginx stream proxy for tests (Debian's nginx with `libnginx-mod-stream`): a
 * generated config loading the stream module, `daemon off`, one process
 * (`master_process off`, so SIGTERM stops everything), pid and logs in a temp dir. Each
 * `server` listens on a loopback port and relays to an upstream with `proxy_protocol on`
 * (PROXY v1, the only version nginx sends). Ports are picked the way the HAProxy helper
 * does. Readiness: a `ready` server on a Unix socket in the temp dir that answers `ready`.
 */
import type { PeerProcess } from './process.js';
import { askUnix, join } from './ready.js';
import { startPeer } from './start-peer.js';

/** Where Debian puts the stream module. */
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** One stream `server`: a loopback front relaying to an upstream. */
export interface NginxServer {
  readonly name: string;
  readonly bindHost?: '127.0.0.1' | '::1';
  readonly upstream: { readonly host: string; readonly port: number };
  /** Send a PROXY v1 line upstream; default true. */
  readonly proxyProtocol?: boolean;
}

/** A running nginx. */
export interface NginxPeer {
  readonly ports: Readonly<Record<string, number>>;
  readonly process: PeerProcess;
  stop(): Promise<void>;
}

function render(dir: string, servers: readonly NginxServer[], ports: number[]): string {
  const blocks = servers.map((server, i) => {
    const listen = server.bindHost === '::1' ? `[::1]:${ports[i]}` : `127.0.0.1:${ports[i]}`;
    const upstream = server.upstream.host.includes(':')
      ? `[${server.upstream.host}]:${server.upstream.port}`
      : `${server.upstream.host}:${server.upstream.port}`;
    return [
      '  server {',
      `    listen ${listen};`,
      `    proxy_pass ${upstream};`,
      `    proxy_protocol ${server.proxyProtocol === false ? 'off' : 'on'};`,
      '  }',
    ].join('\n');
  });
  return [
    `load_module ${NGINX_STREAM_MODULE};`,
    'daemon off;',
    'master_process off;',
    `pid ${join(dir, 'nginx.pid')};`,
    'error_log stderr notice;',
    'events { worker_connections 1024; }',
    'stream {',
    ...blocks,
    '  server {',
    `    listen unix:${join(dir, 'ready.sock')};`,
    '    return "ready";',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Starts nginx with the given stream servers; resolves once it serves them all. */
export async function startNginx(servers: readonly NginxServer[]): Promise<NginxPeer> {
  const { ports, process } = await startPeer(
    {
      command: 'nginx',
      configName: 'nginx.conf',
      render: (dir, ports) => render(dir, servers, ports),
      args: (config, dir) => ['-c', config, '-p', dir, '-e', 'stderr'],
      probe: async (dir) => (await askUnix(join(dir, 'ready.sock'), '')) === 'ready',
    },
    servers.map((s) => s.bindHost ?? '127.0.0.1'),
  );
  return {
    ports: Object.fromEntries(servers.map((s, i) => [s.name, ports[i]!])),
    process,
    stop: () => process.stop(),
  };
}
