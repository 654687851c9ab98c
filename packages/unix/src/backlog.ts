/** The OS's largest listen backlog: sockserve's `requestQueueSize` default (Python's is 5). */
import { readFileSync } from 'node:fs';

const NODE_DEFAULT_BACKLOG = 511;
let cached: number | undefined;

/** `net.core.somaxconn` on Linux; Node's own default (511) elsewhere or when unreadable. */
export function osMaxBacklog(): number {
  if (cached !== undefined) return cached;
  cached = NODE_DEFAULT_BACKLOG;
  if (process.platform === 'linux') {
    try {
      const value = Number.parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'), 10);
      if (Number.isInteger(value) && value > 0) cached = value;
    } catch {
      // Not readable (a sandbox): keep Node's default.
    }
  }
  return cached;
}
