/**
 * What the health endpoints report for a server, in the words load balancers use: HAProxy's
 * agent-check (`up ready` / `drain` / `maint`) and a readiness probe (200 / 503). Python's
 * socketserver has no health checks.
 */
import type { ServerHealth } from '../drain.js';

/** `ready`: send traffic; `drain`: send no new connections; `maint`: out of service. */
export type HealthStatus = 'ready' | 'drain' | 'maint';

/** Something with a {@link ServerHealth}: a `BaseServer`. */
export interface HealthSource {
  readonly health: ServerHealth;
}

/** A function the endpoints call on each check. */
export type HealthProbe = () => HealthStatus;

/**
 * The status of `server` on each check: `ready` while it serves, `drain` while it drains (or
 * closes), `maint` while it starts or once it stopped. Wrap it to add an operator's override:
 * `() => forced ?? healthOf(server)()`.
 */
export function healthOf(server: HealthSource): HealthProbe {
  return () => {
    switch (server.health) {
      case 'ready':
        return 'ready';
      case 'draining':
        return 'drain';
      default:
        return 'maint';
    }
  };
}
