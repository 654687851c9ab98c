/**
 * A real HAProxy for tests (Debian's `haproxy`; scripts/system-deps.sh installs it when
 * missing): `haproxy -f <tmp>/haproxy.cfg -db` in the foreground, listening on loopback
 * ports, relaying to the upstreams the test gives with the server options it gives
 * (`send-proxy`, `send-proxy-v2`, `check`, …), or balancing over several servers. Used by
 * the PROXY protocol package's fixture tests and by the umbrella's tests (PROXY headers,
 * drain through agent checks). HAProxy cannot listen on port 0 and report the port, so the
 * helper picks free ports (bind 0, read, close) and starts again with fresh ones if
 * HAProxy could not bind.
 */
import type { PeerProcess } from './process.js';
import { askUnix, join } from './ready.js';
import { startPeer } from './start-peer.js';

/** One `server` line of a section with several: its name, address and options. */
export interface HaproxyServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Words after the address: `check inter 100ms agent-check agent-port 4000`, … */
  readonly options: string;
}

/** What every `listen` section has: a name and a loopback front. */
interface HaproxyListenBase {
  /** Section name; the started peer's `ports` is keyed by it. */
  readonly name: string;
  /** The front's address, default `127.0.0.1`. */
  readonly bindHost?: '127.0.0.1' | '::1';
  /** Extra words on the `bind` line (e.g. `ssl crt /path alpn h2`). */
  readonly bindOptions?: string;
  /** Further lines of the section (`unique-id-format …`, `option …`, `balance …`). */
  readonly lines?: readonly string[];
}

/**
 * One `listen` section: a loopback front and either one upstream server (named `upstream`)
 * or several `servers`.
 */
export type HaproxyListen = HaproxyListenBase &
  (
    | {
        /** The upstream server (the sockserve server under test, or a recorder). */
        readonly upstream: { readonly host: string; readonly port: number };
        /** Words after the server's address: `send-proxy-v2 check inter 200`, … */
        readonly serverOptions: string;
      }
    | {
        /** The servers the section balances over. */
        readonly servers: readonly HaproxyServer[];
      }
  );

/** `host:port`, bracketed for IPv6. */
const address = (host: string, port: number) =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** A running HAProxy. */
export interface HaproxyPeer {
  /** The front port of each listen section, by name. */
  readonly ports: Readonly<Record<string, number>>;
  readonly process: PeerProcess;
  /** Sends a command to HAProxy's admin socket (`show servers state`, …). */
  admin(command: string): Promise<string>;
  /** Stops HAProxy (SIGTERM), checks it exited, removes its temp dir. */
  stop(): Promise<void>;
}

function render(dir: string, listens: readonly HaproxyListen[], ports: number[]): string {
  const sections = listens.map((listen, i) => {
    const bind = listen.bindHost === '::1' ? `[::1]:${ports[i]}` : `127.0.0.1:${ports[i]}`;
    const servers =
      'servers' in listen
        ? listen.servers.map((s) => `  server ${s.name} ${address(s.host, s.port)} ${s.options}`)
        : [
            `  server upstream ${address(listen.upstream.host, listen.upstream.port)} ${listen.serverOptions}`,
          ];
    return [
      `listen ${listen.name}`,
      `  bind ${bind} ${listen.bindOptions ?? ''}`,
      ...(listen.lines ?? []).map((line) => `  ${line}`),
      ...servers,
    ].join('\n');
  });
  return [
    'global',
    `  stats socket ${join(dir, 'admin.sock')} level admin`,
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    ...sections,
    '',
  ].join('\n');
}

/** Starts HAProxy with the given sections; resolves once it serves them all. */
export async function startHaproxy(listens: readonly HaproxyListen[]): Promise<HaproxyPeer> {
  const { dir, ports, process } = await startPeer(
    {
      command: 'haproxy',
      configName: 'haproxy.cfg',
      render: (dir, ports) => render(dir, listens, ports),
      args: (config) => ['-f', config, '-db'],
      probe: async (dir) =>
        (await askUnix(join(dir, 'admin.sock'), 'show info\n')).includes('Name: HAProxy'),
    },
    listens.map((l) => l.bindHost ?? '127.0.0.1'),
  );
  return {
    ports: Object.fromEntries(listens.map((l, i) => [l.name, ports[i]!])),
    process,
    admin: (command: string) => askUnix(join(dir, 'admin.sock'), `${command}\n`),
    stop: () => process.stop(),
  };
}
