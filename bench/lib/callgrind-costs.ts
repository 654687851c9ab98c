/**
 * Reading callgrind's output for the instruction-counting benches (`callgrind-connection.ts`,
 * `proxy-callgrind.ts`): self instructions per function, JIT addresses named through the map
 * that `node --perf-basic-prof` writes (`/tmp/perf-PID.map`).
 */
import { readFileSync } from 'node:fs';

/** One JIT code range of a perf map: start, end, name. */
export type CodeRange = [number, number, string];

/** The code ranges of a `--perf-basic-prof` map, sorted by start address. */
export function perfMap(file: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (match === null) continue;
    const start = Number.parseInt(match[1] as string, 16);
    ranges.push([start, start + Number.parseInt(match[2] as string, 16), match[3] as string]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

/** A callgrind function name, a bare JIT address (`0x…`) named by the perf map's range. */
function functionName(name: string, ranges: CodeRange[]): string {
  const match = /^0x([0-9a-f]+)$/.exec(name);
  if (match === null) return name.replace(/ \[[^\]]*\]$/, '');
  const address = Number.parseInt(match[1] as string, 16);
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const range = ranges[mid] as CodeRange;
    if (address < range[0]) high = mid - 1;
    else if (address >= range[1]) low = mid + 1;
    else return range[2];
  }
  return 'JIT (unnamed)';
}

/** Self instructions per function of one callgrind file (name compression resolved). */
export function selfCosts(
  file: string,
  ranges: CodeRange[],
): { total: number; byFunction: Map<string, number> } {
  const byFunction = new Map<string, number>();
  let total = 0;
  let fn = '';
  let inCall = false;
  const named = nameCompression();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = functionName(named(line.slice(3)), ranges);
    else if (line.startsWith('cfn=')) named(line.slice(4));
    else if (line.startsWith('calls=')) inCall = true;
    else if (line.startsWith('totals:')) total += Number(line.split(' ')[1]);
    else if (/^[0-9+\-*]/.test(line)) {
      const cost = Number(line.split(' ')[1] ?? 0);
      if (inCall) inCall = false;
      else byFunction.set(fn, (byFunction.get(fn) ?? 0) + cost);
    }
  }
  return { total, byFunction };
}

/**
 * Instructions of one callgrind file spent in V8's collector: the inclusive cost of every call
 * to `Heap::CollectGarbage` made from outside it (a scavenge's own nested call not counted
 * twice). How many scavenges fall in a counted window depends on how V8 sized the young
 * generation at the time (under valgrind it resizes it by allocation rate): reported apart,
 * so the rest is the connection's own path.
 */
export function collectorCost(file: string): number {
  let fn = '';
  let cfn = '';
  let inCall = false;
  let cost = 0;
  const named = nameCompression();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = named(line.slice(3));
    else if (line.startsWith('cfn=')) cfn = named(line.slice(4));
    else if (line.startsWith('calls=')) inCall = true;
    else if (inCall && /^[0-9+\-*]/.test(line)) {
      inCall = false;
      if (cfn.includes('Heap::CollectGarbage(') && !/CollectGarbage|SetMarkerAndCall/.test(fn))
        cost += Number(line.split(' ')[1] ?? 0);
    }
  }
  return cost;
}

/**
 * Callgrind's name compression: `(12) name` defines id 12, a later `(12)` refers to it. Returns
 * the resolver of one file's tokens (a fresh map per file).
 */
function nameCompression(): (token: string) => string {
  const names = new Map<string, string>();
  return (token) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(token);
    if (match === null) return token;
    if (match[2] !== undefined) names.set(match[1] as string, match[2]);
    return names.get(match[1] as string) ?? token;
  };
}
