/**
 * CPU time of the TLS bench's processes, from Linux /proc: a server's, in all and by thread
 * kind (main, worker threads, the rest), and the bench's own (the load generator's side).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A process's CPU time so far (user + system, ms, Linux /proc), in all and by thread kind. */
export interface ThreadCpu {
  readonly total: number;
  /** The main thread: accept, hand-off (threading), or everything (async, raw). */
  readonly main: number;
  /** Worker threads (`WorkerThread`): the handshake and the handler under threading. */
  readonly workers: number;
  /** Everything else: V8's GC/compiler helpers, libuv's pool, the inspector. */
  readonly helpers: number;
}

/** CPU ms of one /proc stat file (utime + stime; clock ticks of 10 ms). */
function statMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** {@link ThreadCpu} of `pid`; a thread that ended since is in `total` only. */
export function threadCpuMs(pid: number): ThreadCpu {
  const total = statMs(`/proc/${pid}/stat`);
  let main = 0;
  let workers = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ms = statMs(`/proc/${pid}/task/${tid}/stat`);
      if (Number(tid) === pid) main += ms;
      else if (name === 'WorkerThread') workers += ms;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { total, main, workers, helpers: total - main - workers };
}

/** This process's CPU ms so far (the load generator's side). */
export function clientCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
