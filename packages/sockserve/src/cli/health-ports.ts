/**
 * `--agent-port` and `--ready-port`: the command's health endpoints for load balancers, each on
 * its own port, following the server (`up ready` / 200 while it serves, `drain` / 503 while it
 * drains). Started once the server serves; each prints `agent-check on ADDRESS` or
 * `readiness on ADDRESS` on stdout after the `listening on` line (port 0 resolved).
 */
import {
  formatAddress,
  type HealthEndpoint,
  healthOf,
  type InetBindAddress,
  startAgentCheck,
  startReadiness,
  systemCode,
} from '@sockserve/core';
import type { ServeCommand } from './args.js';
import type { AnyServer } from './open-server.js';
import { UsageError } from './usage-error.js';

/** Starts the endpoints the command asks for; resolves with a function that closes them all. */
export async function startHealthPorts(
  server: AnyServer,
  command: ServeCommand,
  out: (line: string) => void,
): Promise<() => Promise<void>> {
  const started: HealthEndpoint[] = [];
  const closeAll = async () => {
    await Promise.all(started.splice(0).map((endpoint) => endpoint.close()));
  };
  const wanted: Array<[string, string, InetBindAddress | undefined, typeof startAgentCheck]> = [
    ['--agent-port', 'agent-check', command.agentPort, startAgentCheck],
    ['--ready-port', 'readiness', command.readyPort, startReadiness],
  ];
  for (const [option, name, address, start] of wanted) {
    if (address === undefined) continue;
    try {
      // SO_REUSEPORT: a restart's successor binds the same port while we still answer.
      const endpoint = await start(healthOf(server), address, { reusePort: true });
      started.push(endpoint);
      out(`${name} on ${formatAddress(endpoint.address)}`);
    } catch (error) {
      await closeAll();
      const why =
        systemCode(error) === 'ERR_SOCKSERVE_BIND'
          ? ((error as { syscallCode?: string }).syscallCode ?? (error as Error).message)
          : (error as Error).message;
      throw new UsageError(`${option}: cannot listen on ${formatAddress(address)}: ${why}`, {
        cause: error,
      });
    }
  }
  return closeAll;
}
