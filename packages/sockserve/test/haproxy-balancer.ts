/**
 * A real HAProxy balancing over sockserve servers, each with `check` and `agent-check` on
 * its agent port, for the drain tests: the shared HAProxy peer (`@sockserve/test-support`:
 * free ports, generated config, readiness over the admin socket) with one balancing section.
 * `retries 3` with `option redispatch` is HAProxy's answer to a server that stops listening
 * between checks: the connection is retried on another server, so a drained server costs no
 * client request.
 */
import { startHaproxy } from '@sockserve/test-support';

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

/** Starts HAProxy in front of `upstreams`; resolves once it serves. */
export async function startBalancer(upstreams: readonly Upstream[]): Promise<Balancer> {
  const haproxy = await startHaproxy([
    {
      name: 'front',
      lines: ['balance roundrobin', 'retries 3', 'option redispatch'],
      servers: upstreams.map((u) => ({
        name: u.name,
        host: '127.0.0.1',
        port: u.port,
        options: `check inter 100ms agent-check agent-port ${u.agentPort} agent-inter 100ms`,
      })),
    },
  ]);
  const status = async () => {
    const csv = await haproxy.admin('show stat');
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
    port: haproxy.ports.front as number,
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
    stop: () => haproxy.stop(),
  };
}
