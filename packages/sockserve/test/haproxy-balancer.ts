/**
 * A real HAProxy balancing over sockserve servers, each with `check` and `agent-check` on
 * its agent port, for the drain tests. Started with the proxy-protocol package's generic peer
 * start (free ports, generated config, readiness over the admin socket). `retries 3` with
 * `option redispatch` is HAProxy's answer to a server that stops listening between checks:
 * the connection is retried on another server, so a drained server costs no client request.
 */
import { askUnix, join } from '../../proxy-protocol/test/peers/ready.js';
import { startPeer } from '../../proxy-protocol/test/peers/start-peer.js';

/** One upstream: its name in HAProxy, the server's port and its agent-check port. */
export interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly agentPort: number;
}

/** A running HAProxy in front of the upstreams. */
export interface Balancer {
  /** The front port clients connect to. */
  readonly port: number;
  /** Each server's status as HAProxy shows it, first word (`UP`, `DRAIN`, `DOWN`, `MAINT`), by name. */
  status(): Promise<Record<string, string>>;
  /** Resolves once `ready(status)` holds, asking HAProxy every 25 ms (20 s at most). */
  until(ready: (status: Record<string, string>) => boolean): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

function render(dir: string, upstreams: readonly Upstream[], port: number): string {
  return [
    'global',
    `  stats socket ${join(dir, 'admin.sock')} level admin`,
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  retries 3',
    '  option redispatch',
    'listen front',
    `  bind 127.0.0.1:${port}`,
    '  balance roundrobin',
    ...upstreams.map(
      (u) =>
        `  server ${u.name} 127.0.0.1:${u.port} check inter 100ms agent-check agent-port ${u.agentPort} agent-inter 100ms`,
    ),
    '',
  ].join('\n');
}

/** Starts HAProxy in front of `upstreams`; resolves once it serves. */
export async function startBalancer(upstreams: readonly Upstream[]): Promise<Balancer> {
  const { dir, ports, process } = await startPeer(
    {
      command: 'haproxy',
      configName: 'haproxy.cfg',
      render: (dir, ports) => render(dir, upstreams, ports[0] as number),
      args: (config) => ['-f', config, '-db'],
      probe: async (dir) =>
        (await askUnix(join(dir, 'admin.sock'), 'show info\n')).includes('Name: HAProxy'),
    },
    ['127.0.0.1'],
  );
  const status = async () => {
    const csv = await askUnix(join(dir, 'admin.sock'), 'show stat\n');
    const rows = csv.split('\n').map((line) => line.split(','));
    const header = (rows[0] ?? []).map((field) => field.replace(/^# /, ''));
    const [pxname, svname, state] = ['pxname', 'svname', 'status'].map((f) => header.indexOf(f));
    const result: Record<string, string> = {};
    for (const row of rows.slice(1)) {
      const name = row[svname as number];
      if (row[pxname as number] !== 'front' || name === undefined) continue;
      if (name === 'FRONTEND' || name === 'BACKEND') continue;
      // The first word: `DRAIN (agent)` is DRAIN, `UP 1/3` is UP.
      result[name] = (row[state as number] ?? '').split(' ')[0] as string;
    }
    return result;
  };
  return {
    port: ports[0] as number,
    status,
    async until(ready) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const now = await status();
        if (ready(now)) return now;
        if (Date.now() > deadline)
          throw new Error(`HAProxy never got there: ${JSON.stringify(now)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop: () => process.stop(),
  };
}
