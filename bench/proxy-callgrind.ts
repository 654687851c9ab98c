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
 *                               [--semi-space 0] [--predictable] [--no-tables]
 *
 * The collector's share is reported apart (`…Gc`, and the overhead without it): under valgrind
 * V8 sizes the young generation by allocation rate, so the counted window of one server held 3
 * scavenges and the other's 7 for about the same garbage (~2,000 instructions a connection of
 * the difference, by chance). `--semi-space MB` fixes both servers' young generation instead
 * (at 1 MB the collector is ~20% of a plain connection: it dilutes the overhead).
 *
 * `--predictable` runs both servers with V8's `--predictable` (compilation and the collector's
 * tasks on the main thread, none in the background): without it the counted window still held
 * V8 compiling or deoptimising in some runs, and the same build's overhead moved by ±1.5 points
 * (session 22: +5.4 to +8.8% for one commit). With it, work V8 would do in the background is
 * counted on the main thread, so the warm-up must carry the servers past tier-up: at `--warm
 * 3000` the proxied server was still compiling (+14 to +21%); at `--warm 15000 --semi-space 16`
 * two runs of one build agreed to 0.1% (plain 71,427 / 71,495, proxied 74,015 / 74,038).
 * Use `--predictable --warm 15000 --semi-space 16` to compare two builds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { callgrindCommand, countedWindow, keepPerfMap, readCounts } from './lib/callgrind-run.ts';
import { exchange, payload, withHeader } from './lib/proxy-exchange.ts';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '3000' },
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    top: { type: 'string', default: '30' },
    // The servers' young generation, fixed (MB a semi-space; default 0: V8 sizes it).
    'semi-space': { type: 'string', default: '0' },
    // V8's --predictable in both servers: nothing compiled or collected in the background.
    predictable: { type: 'boolean', default: false },
    // Only the difference table and the JSON line.
    'no-tables': { type: 'boolean', default: false },
  },
});
const warm = Number(values.warm);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const top = Number(values.top);
const semiSpace = Number(values['semi-space']);
const dir = fileURLToPath(new URL('./results/proxy-callgrind/', import.meta.url));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

async function load(port: number, data: Buffer, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await exchange(port, data);
    }),
  );
}

async function measure(kind: 'plain' | 'proxied') {
  const child: ChildProcess = spawn(
    'valgrind',
    [
      ...callgrindCommand(process.execPath, join(dir, `${kind}.out`), join(dir, `${kind}-v8.log`), {
        earlyTurbofan: true,
        semiSpace,
        predictable: values.predictable,
      }),
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
  const pid = child.pid as number;
  await countedWindow(pid, () => load(port, data, requests));
  keepPerfMap(pid, dir, kind);
  child.kill('SIGTERM');
  await once(child, 'exit');
  process.removeListener('exit', stopChild);
  return { kind, ...readCounts(dir, kind) };
}

const results = [];
for (const kind of ['plain', 'proxied'] as const) {
  const r = await measure(kind);
  results.push(r);
  const per = (n: number) => (n / requests).toFixed(0);
  console.log(
    `${kind}: ${per(r.main.total)} instructions a connection on the main thread (${per(r.gc)} of them in the collector), ${per(r.all)} in all threads`,
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
    semiSpace,
    predictable: values.predictable,
    plainMain: Math.round(plain.main.total / requests),
    proxiedMain: Math.round(proxied.main.total / requests),
    mainOverheadPercent: percent(proxied.main.total, plain.main.total),
    plainGc: Math.round(plain.gc / requests),
    proxiedGc: Math.round(proxied.gc / requests),
    mainWithoutGcOverheadPercent: percent(
      proxied.main.total - proxied.gc,
      plain.main.total - plain.gc,
    ),
    plainAll: Math.round(plain.all / requests),
    proxiedAll: Math.round(proxied.all / requests),
    allOverheadPercent: percent(proxied.all, plain.all),
  }),
);
