/**
 * Where the bytes of an idle connection went: the server takes a V8 heap snapshot (Node's
 * `--heapsnapshot-signal`) before and while it holds N idle connections; the difference,
 * grouped by what V8 calls each object (constructor name, `(closure)`, `(system)`, …) and
 * divided by N, is the JS heap each connection costs. Set against the RSS growth, the rest is
 * native memory (libuv handles, kernel-side buffers are not in RSS).
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Count and self size of one group of heap objects. */
export interface HeapGroup {
  count: number;
  bytes: number;
}

/** Objects of a snapshot grouped by `type:name` (`object:StreamReader`, `closure:onEvent`, …). */
export type HeapCensus = Map<string, HeapGroup>;

interface RawSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
      readonly edge_fields: string[];
      readonly edge_types: [string[], ...unknown[]];
      readonly location_fields?: string[];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly locations?: number[];
  readonly strings: string[];
}

/**
 * Where each closure was written, `file.ts:line` (closure node index → place), so anonymous
 * arrow functions can be told apart: closure -shared-> SharedFunctionInfo -script-> Script
 * -name-> its URL, and the snapshot's `locations` give the line.
 */
function closurePlaces(raw: RawSnapshot): Map<number, string> {
  const meta = raw.snapshot.meta;
  const width = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const countAt = meta.node_fields.indexOf('edge_count');
  const nameAt = meta.node_fields.indexOf('name');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = raw;
  const firstEdge = new Uint32Array(nodes.length / width + 1);
  for (let n = 0, e = 0; n < nodes.length / width; n++) {
    firstEdge[n] = e;
    e += (nodes[n * width + countAt] as number) * edgeWidth;
  }
  /** The node an edge named `name` of node `index` points to (node index), or -1. */
  const follow = (index: number, name: string): number => {
    const count = nodes[index + countAt] as number;
    const start = firstEdge[index / width] as number;
    for (let k = 0; k < count; k++) {
      const e = start + k * edgeWidth;
      const type = edgeTypes[edges[e + edgeTypeAt] as number];
      if (type === 'element' || type === 'hidden') continue;
      if (strings[edges[e + edgeNameAt] as number] === name) return edges[e + edgeToAt] as number;
    }
    return -1;
  };
  const places = new Map<number, string>();
  const locations = raw.locations ?? [];
  const fields = meta.location_fields ?? [];
  const locWidth = fields.length;
  const objectAt = fields.indexOf('object_index');
  const lineAt = fields.indexOf('line');
  for (let i = 0; locWidth > 0 && i < locations.length; i += locWidth) {
    const closure = locations[i + objectAt] as number;
    const shared = follow(closure, 'shared');
    const script = shared < 0 ? -1 : follow(shared, 'script');
    const url = script < 0 ? -1 : follow(script, 'name');
    const file = url < 0 ? '?' : (strings[nodes[url + nameAt] as number] ?? '?');
    const short = file.replace(/^.*\/(packages|bench)\//, '$1/').replace(/^node:/, '');
    places.set(closure, `${short}:${(locations[i + lineAt] as number) + 1}`);
  }
  return places;
}

/** Names that vary per object and would split one kind into thousands of groups. */
function groupName(type: string, name: string): string {
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string')
    return 'string';
  if (type === 'number' || type === 'bigint') return type;
  if (type === 'array') return `array:${name.startsWith('(') ? name : '[]'}`;
  if (type === 'code' || type === 'hidden') return `${type}:${name.split(' ')[0] ?? name}`;
  return `${type}:${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
}

/** Reads a `.heapsnapshot` file into a census. */
export function censusOf(file: string): HeapCensus {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const fields = raw.snapshot.meta.node_fields;
  const types = raw.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census: HeapCensus = new Map();
  const { nodes, strings } = raw;
  const places = closurePlaces(raw);
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt] as number] ?? '?';
    const name = strings[nodes[i + nameAt] as number] ?? '';
    const key =
      type === 'closure'
        ? `closure:${name || '(anonymous)'} ${places.get(i) ?? ''}`
        : groupName(type, name);
    const group = census.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += nodes[i + sizeAt] as number;
    census.set(key, group);
  }
  return census;
}

/** `after - before`, per group, divided by `per` (the number of connections). */
export function censusDelta(before: HeapCensus, after: HeapCensus, per: number): HeapCensus {
  const delta: HeapCensus = new Map();
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    delta.set(key, { count: (a.count - b.count) / per, bytes: (a.bytes - b.bytes) / per });
  }
  for (const [key, b] of before) {
    if (!after.has(key)) delta.set(key, { count: -b.count / per, bytes: -b.bytes / per });
  }
  return delta;
}

/** Total self size of a census (or of a delta). */
export function censusBytes(census: HeapCensus): number {
  let total = 0;
  for (const group of census.values()) total += group.bytes;
  return total;
}

/** The delta's largest groups, as table lines: objects per connection and bytes per connection. */
export function formatDelta(delta: HeapCensus, top: number): string {
  return [...delta.entries()]
    .filter(([, g]) => Math.abs(g.bytes) >= 1 || Math.abs(g.count) >= 0.05)
    .sort((x, y) => Math.abs(y[1].bytes) - Math.abs(x[1].bytes))
    .slice(0, top)
    .map(
      ([key, g]) =>
        `  ${g.bytes.toFixed(0).padStart(6)} B  ${g.count.toFixed(2).padStart(6)} objects  ${key}`,
    )
    .join('\n');
}

/**
 * Asks process `pid` (started with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir dir`) for a
 * snapshot and waits until the file is complete; returns its census and deletes the file.
 */
export async function snapshotCensus(pid: number, dir: string): Promise<HeapCensus> {
  const known = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot from ${pid} in ${dir}`);
    await sleep(300);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !known.has(f));
    if (file === undefined) continue;
    const path = join(dir, file);
    // Written by the server's main thread in one go: complete once the size stops changing
    // and the JSON parses.
    const size = statSync(path).size;
    await sleep(300);
    if (size === 0 || statSync(path).size !== size) continue;
    try {
      const census = censusOf(path);
      rmSync(path);
      return census;
    } catch {
      // Not finished yet.
    }
  }
}
