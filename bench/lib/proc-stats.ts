/**
 * What `/proc` says about a server process: resident memory (VmRSS) and CPU time. Linux only;
 * elsewhere both read as NaN and the report says "n/a".
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second for `/proc/PID/stat` (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** VmRSS of `pid` in KiB (NaN when unreadable). */
export function rssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : Number(match[1]);
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds of `pid`, all its threads (NaN when unreadable). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
