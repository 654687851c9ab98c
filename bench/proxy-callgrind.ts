/**
 * Issue 14, on its own: what the PROXY header costs a connection-per-request server in
 * instructions, counted by `valgrind --tool=callgrind` — instructions, not seconds, so the
 * figure hardly moves with the load other processes put on a shared machine (the CPU-time
 * bench, proxy-overhead.ts, swings by several percent between runs at load 10–30).
 *
 * Runs proxy-overhead.ts's two servers (`--server plain`, `--server proxied`: async, the
 * one-line upper echo) one after the other under callgrind, instrumentation off; this process
 * warms each up with `--warm` connections (connect, send (a v2 header and) one line, read the
 * reply, close; `--concurrency` at a time), switches instrumentation on for `--requests`
 * connections and dumps. V8 tiers up early (`--invocation-count-for-turbofan=300`) so the
 * counted connections run optimised code. Prints, per server, instructions per connection
 * (main thread, all threads) and the functions with the most self instructions on the main
 * thread per connection (JIT frames named through `--perf-basic-prof`), then one JSON line with
 * the overhead. Files go to `results/proxy-callgrind/` (not committed).
 *
 *   node bench/proxy-callgrind.ts [--warm 3000] [--requests 1000] [--concurrency 4] [--top 30]
 *                               [--no-tables]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '3000' },
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    top: { type: 'string', default: '30' },
    // Only the difference table and the JSON line.
    'no-tables': { type: 'boolean', default: false },
  },
});
const warm = Number(values.warm);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const top = Number(values.top);
const dir = fileURLToPath(new URL('./results/proxy-callgrind/', import.meta.url));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const header = encodeProxyHeader({
  version: 2,
  family: 'IPv4',
  source: { family: 'IPv4', host: '203.0.113.7', port: 51234 },
  destination: { family: 'IPv4', host: '203.0.113.8', port: 443 },
});
const payload = Buffer.from('ping\n');
const withHeader = Buffer.concat([header, payload]);

/** One connection: connect, send, read the 5-byte reply, close. */
const exchange = (port: number, data: Buffer) =>
  new Promise<void>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.end(data));
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
    });
    socket.once('close', () => (got === 5 ? resolve() : reject(new Error(`reply ${got} bytes`))));
    socket.once('error', reject);
  });

async function load(port: number, data: Buffer, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await exchange(port, data);
    }),
  );
}

/** One JIT code range of a perf map: start, end, name. */
type CodeRange = [number, number, string];

function perfMap(file: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (match === null) continue;
    const start = Number.parseInt(match[1] as string, 16);
    ranges.push([start, start + Number.parseInt(match[2] as string, 16), match[3] as string]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

function resolveName(name: string, ranges: CodeRange[]): string {
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
function selfCosts(file: string, ranges: CodeRange[]) {
  const names = new Map<string, string>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let fn = '';
  let inCall = false;
  const named = (token: string) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(token);
    if (match === null) return token;
    if (match[2] !== undefined) names.set(match[1] as string, match[2]);
    return names.get(match[1] as string) ?? token;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) fn = resolveName(named(line.slice(3)), ranges);
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

async function measure(kind: 'plain' | 'proxied') {
  const out = join(dir, `${kind}.out`);
  const child: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}`,
      process.execPath,
      '--perf-basic-prof',
      `--logfile=${join(dir, `${kind}-v8.log`)}`,
      '--no-logfile-per-isolate',
      '--invocation-count-for-turbofan=300',
      '--minimum-invocations-after-ic-update=50',
      fileURLToPath(new URL('./proxy-overhead.ts', import.meta.url)),
      '--server',
      kind,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const stopChild = () => child.kill('SIGTERM');
  process.once('exit', stopChild);
  const [line] = (await once(
    createInterface({ input: child.stdout as NodeJS.ReadableStream }),
    'line',
  )) as [string];
  const port = Number(line.split(' ')[1]);
  const data = kind === 'proxied' ? withHeader : payload;
  await load(port, data, warm);
  const pid = String(child.pid);
  execFileSync('callgrind_control', ['-i', 'on', pid], { stdio: 'ignore' });
  await load(port, data, requests);
  execFileSync('callgrind_control', ['-i', 'off', pid], { stdio: 'ignore' });
  execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
  const mapFile = `/tmp/perf-${pid}.map`;
  copyFileSync(mapFile, join(dir, `${kind}.map`));
  rmSync(mapFile, { force: true });
  child.kill('SIGTERM');
  await once(child, 'exit');
  process.removeListener('exit', stopChild);
  const ranges = perfMap(join(dir, `${kind}.map`));
  let all = 0;
  let main = { total: 0, byFunction: new Map<string, number>() };
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`${kind}.out`))) {
    const costs = selfCosts(join(dir, file), ranges);
    all += costs.total;
    // Thread 1 is the main thread (its files end in -01).
    if (file.endsWith('-01') && costs.total > main.total) main = costs;
  }
  return { kind, all, main };
}

const results = [];
for (const kind of ['plain', 'proxied'] as const) {
  const r = await measure(kind);
  results.push(r);
  const per = (n: number) => (n / requests).toFixed(0);
  console.log(
    `${kind}: ${per(r.main.total)} instructions a connection on the main thread, ${per(r.all)} in all threads`,
  );
  const ranked = [...r.main.byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  if (values['no-tables'] !== true)
    for (const [name, cost] of ranked)
      console.log(`  ${per(cost).padStart(7)}  ${name.slice(0, 140)}`);
}
const [plain, proxied] = results as [(typeof results)[0], (typeof results)[0]];
// Where the proxied server's extra instructions go: the largest differences per function.
const names = new Set([...plain.main.byFunction.keys(), ...proxied.main.byFunction.keys()]);
const diffs = [...names].map((name): [string, number] => [
  name,
  ((proxied.main.byFunction.get(name) ?? 0) - (plain.main.byFunction.get(name) ?? 0)) / requests,
]);
console.log('proxied − plain, main thread, per connection:');
for (const [name, d] of diffs.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, top))
  console.log(`  ${d.toFixed(0).padStart(7)}  ${name.slice(0, 140)}`);
const percent = (a: number, b: number) => Number(((a / b - 1) * 100).toFixed(1));
console.log(
  JSON.stringify({
    node: process.version,
    warm,
    requests,
    concurrency,
    plainMain: Math.round(plain.main.total / requests),
    proxiedMain: Math.round(proxied.main.total / requests),
    mainOverheadPercent: percent(proxied.main.total, plain.main.total),
    plainAll: Math.round(plain.all / requests),
    proxiedAll: Math.round(proxied.all / requests),
    allOverheadPercent: percent(proxied.all, plain.all),
  }),
);
