/** Facts about the running platform that transports need: listen backlog, Node version gates. */
import { readFileSync } from 'node:fs';
import { UnsupportedError } from './errors.js';

const NODE_DEFAULT_BACKLOG = 511;
let backlog: number | undefined;

/**
 * The OS's largest listen backlog (`net.core.somaxconn` on Linux; Node's own default, 511,
 * elsewhere or when unreadable): sockserve's `requestQueueSize` default, where Python's is 5.
 * @internal
 */
export function osMaxBacklog(): number {
  if (backlog !== undefined) return backlog;
  backlog = NODE_DEFAULT_BACKLOG;
  if (process.platform === 'linux') {
    try {
      const value = Number.parseInt(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'), 10);
      if (Number.isInteger(value) && value > 0) backlog = value;
    } catch {
      // Not readable (a sandbox): keep Node's default.
    }
  }
  return backlog;
}

let descriptors: number | undefined | null = null;

/**
 * The process's soft limit on open file descriptors (`ulimit -n`, from `/proc/self/limits` on
 * Linux), or `undefined` where it can't be read or is unlimited. Read once per process.
 */
export function descriptorLimit(): number | undefined {
  if (descriptors !== null) return descriptors;
  descriptors = undefined;
  if (process.platform === 'linux') {
    try {
      const line = readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Max open files'));
      const soft = Number.parseInt(line?.slice('Max open files'.length).trim() ?? '', 10);
      if (Number.isInteger(soft) && soft > 0) descriptors = soft;
    } catch {
      // Not readable (a sandbox): no limit known.
    }
  }
  return descriptors;
}

/** @internal True when the running Node is at least `major.minor`. */
export function nodeAtLeast(major: number, minor: number): boolean {
  const [maj = 0, min = 0] = process.versions.node.split('.').map(Number);
  return maj > major || (maj === major && min >= minor);
}

/**
 * @internal Throws when SO_REUSEPORT can't be had: Node before 22.12 silently ignores the option.
 */
export function assertReusePortSupported(): void {
  if (!nodeAtLeast(22, 12)) {
    throw new UnsupportedError(
      `allowReusePort needs Node >= 22.12 (this is ${process.versions.node}, which would ignore it)`,
    );
  }
}
