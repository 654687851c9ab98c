/**
 * An HAProxy agent-check port (`server … agent-check agent-port P agent-inter 1s`): HAProxy
 * connects, reads one line and closes. We answer `up ready` while the server serves, `drain`
 * while it drains (HAProxy sends it no new connections; those it has go on) and `maint` while
 * it starts or once it stopped. Python has no counterpart.
 */
import { createServer, type Socket } from 'node:net';
import type { InetBindAddress } from '../address.js';
import {
  type HealthEndpoint,
  type HealthEndpointOptions,
  listenEndpoint,
} from './health-endpoint.js';
import type { HealthProbe, HealthStatus } from './health-status.js';

/** The agent's line for each status (HAProxy's agent-check words). */
export const AGENT_REPLIES: Readonly<Record<HealthStatus, string>> = {
  ready: 'up ready\n',
  drain: 'drain\n',
  maint: 'maint\n',
};

/**
 * Starts an agent-check listener on `address` answering `probe()` at each check, e.g.
 * `startAgentCheck(healthOf(server), { host: '127.0.0.1', port: 9100 })`. Rejects with
 * `BindError` when the address cannot be bound.
 */
export async function startAgentCheck(
  probe: HealthProbe,
  address: InetBindAddress,
  options: HealthEndpointOptions = {},
): Promise<HealthEndpoint> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // Whatever HAProxy sends (`agent-send`) is read and ignored.
    socket.on('error', () => {}).resume();
    socket.end(AGENT_REPLIES[probe()]);
  });
  return listenEndpoint(server, address, options, () => {
    for (const socket of open) socket.destroy();
  });
}
