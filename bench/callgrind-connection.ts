/**
 * Issue 11, on its own (not in the matrix): what one TCP connection per request (or one datagram,
 * `--udp`) costs the server in instructions — sockserve async (`UpperEchoHandler`) and raw `net` — counted by
 * `valgrind --tool=callgrind`, which counts instructions, not seconds: unlike CPU time per
 * request it hardly moves with the load the other processes put on the machine.
 *
 * Each side runs under callgrind with instrumentation off; one client (`sockload
 * --per-request`) warms it up for `--warm` connections, then instrumentation is switched on
 * (`callgrind_control -i on`) for `--requests` connections and dumped. By default V8 is made
 * to tier up to TurboFan early (`--invocation-count-for-turbofan=300`), so the counted
 * connections run the optimised code a bench round runs after its warm-up; `--default-tiers`
 * keeps V8's thresholds (many functions then still run as Maglev code, where each private
 * field store is a generic `KeyedStoreIC` call). The server's main thread is the figure (the
 * other threads are V8's compiler and GC helpers, whose share swings with timing); JIT frames
 * are named through `--perf-basic-prof`'s map. Files go to `results/callgrind/` (not
 * committed).
 *
 *   node bench/callgrind-connection.ts [--warm 3000] [--requests 1000] [--top 25] [--default-tiers]
 *     [--persistent [--warm 9000] [--warm-connections 3] [--requests 2000]] [--bare] [--line] [--udp]
 *     [--strategy async|sequential] [--clients 1] [--semi-space 0] [--no-raw] [--predictable]
 *     [--warm-runs 1]
 *
 * `--semi-space MB` fixes the servers' young generation (V8 otherwise sizes it by allocation
 * rate, so two runs of one build can hold a different number of collections in the counted
 * window; a major one adds ~10k instructions a connection); the collector's share of the main
 * thread is printed apart either way (`…Gc` in the JSON line). `--no-raw` skips the raw peer
 * (for comparing two builds of sockserve, A/B, in less time).
 * `--predictable` runs every server with V8's `--predictable`, as proxy-callgrind.ts does (see
 * there, and lib/callgrind-run.ts): nothing compiled or collected in a background thread, so a
 * background compile can't land in the counted window in some runs and not others. V8's
 * background work is then counted on the main thread: give it a long warm-up (`--warm 15000`)
 * so the counted window is past tier-up, in two load runs (`--warm-runs 2`): the end of one
 * sockload run deoptimises some of Node's stream code for a wrong map (`endReadableNT`,
 * `Writable.end`, `finish`, `afterShutdown`, sockserve's `endOwned`; `--trace-deopt`), and with
 * the warm-up in one run the counted window re-tiered them — 34 compilations in 1,000 sequential
 * connections, ~155k instructions a connection on the main thread, against 1 with the warm-up
 * in two runs (without `--predictable` that compiling ran on V8's background threads, where
 * only the spread of the main thread's count showed it). To compare two builds:
 * `--predictable --warm 15000 --warm-runs 2 --semi-space 16 --no-raw`, alternating A/B.
 * Sequential TCP, one client, that recipe, three runs (session 23): main thread 94,464 / 95,650
 * / 94,450 a connection with `--predictable`, 95,433 / 75,051 / 81,380 without (the collector's
 * share moving between the main thread and its helpers). `--semi-space 16` still collects in
 * that window (~45k of it); `--semi-space 64` did not (core11). `--udp` is not steady with the
 * flag alone: a mark-compact fell in 2 of 3 windows of 1,000 datagrams (91.6k / 26.1k / 77.6k;
 * its marking steps run as tasks, mostly outside `Heap::CollectGarbage`, so `…Gc` misses them).
 * Every run: `results/history/callgrind-predictable-spread-2026-12-02-s23.jsonl`.
 * `--persistent` counts requests on one persistent connection instead: the warm-up on
 * `--warm-connections` connections one after another, then the counted requests on one more.
 * A connection's end deoptimises code its requests never reached (a field's constness, the
 * end-of-stream result, Node's `nextTick` on its one-argument path), and the handler's loop —
 * one call a connection — tiers up slowly again: with one warm-up connection of 3,000 the
 * counted requests ran re-tiering code (main 28.8k–36.8k instructions a request, raw net
 * 27.0k–29.4k, three runs), with two of 1,500 24.0k–27.3k (raw 13.5k–15.3k), with three of
 * 3,000 and 2,000 counted 16.6k–17.2k (raw 13.9k–16.4k): the steady state, hence the
 * defaults. `--line` adds sockserve's line callback echo (`UpperLineHandler`). `--bare` adds the bare
 * `BaseRequestHandler` echo (core's share without @sockserve/stream). `--udp` counts
 * datagrams instead (one warm-up run of `--warm`): sockserve's `UDPServer` (async,
 * `UpperDatagramHandler`, the matrix's `udp-async` row) against the raw `dgram` echo, one
 * client sending one datagram at a time. `--strategy sequential` runs the sockserve side (and
 * `--bare`'s) under the sequential strategy, Python's default (the matrix's
 * `tcp-per-request-sequential` row's server). `--clients N` runs N clients at once: with one
 * the serve loop always waits when a connection arrives (handed over from the `'connection'`
 * event); with several they wait in the transport's queue, as under the matrix's 50 clients.
 *
 * Prints, per side, instructions per connection (or request, or datagram) (main thread, all
 * threads) and the functions with the most self instructions per unit; then the functions
 * sockserve spends most (and least) more than the raw peer on; then one JSON line.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { callgrindCommand, countedWindow, keepPerfMap, readCounts } from './lib/callgrind-run.ts';
import { buildSockload, runLoad } from './lib/loadgen.ts';
import { cleanUpOnExit, startServer, stopEverything } from './lib/processes.ts';
import { rawNode, type Side, sockserve } from './lib/scenarios.ts';

const { values } = parseArgs({
  options: {
    warm: { type: 'string' },
    requests: { type: 'string' },
    top: { type: 'string', default: '25' },
    'default-tiers': { type: 'boolean', default: false },
    persistent: { type: 'boolean', default: false },
    // Persistent: the warm-up's connections, one after another (default 3).
    'warm-connections': { type: 'string' },
    // Per connection or datagram: the warm-up split into this many load runs (default 1).
    'warm-runs': { type: 'string' },
    bare: { type: 'boolean', default: false },
    line: { type: 'boolean', default: false },
    udp: { type: 'boolean', default: false },
    strategy: { type: 'string', default: 'async' },
    clients: { type: 'string', default: '1' },
    // The servers' young generation, fixed (MB a semi-space; default 0: V8 sizes it).
    'semi-space': { type: 'string', default: '0' },
    // Only the sockserve side(s): no raw peer.
    'no-raw': { type: 'boolean', default: false },
    // V8's --predictable in every server: nothing compiled or collected in the background.
    predictable: { type: 'boolean', default: false },
  },
});
/** Clients at once: with more than one, connections wait in the server's queue (the matrix's 50). */
const clients = Number(values.clients);
if (!(Number.isInteger(clients) && clients >= 1))
  throw new Error('--clients must be an integer >= 1');
/** The sockserve side's strategy: `async` (the matrix's per-request row) or `sequential`. */
const strategy = values.strategy;
if (strategy !== 'async' && strategy !== 'sequential') {
  throw new Error('--strategy must be async or sequential');
}
const udp = values.udp;
const persistent = values.persistent || udp;
const transport = udp ? 'udp' : 'tcp';
const warm = Number(values.warm ?? (values.persistent ? 9000 : 3000));
// Each warm-up flag applies to one kind of run: say so rather than ignore the other.
if (values.persistent && values['warm-runs'] !== undefined)
  throw new Error(
    '--warm-runs splits a per-connection or UDP warm-up; with --persistent use --warm-connections',
  );
if (!values.persistent && values['warm-connections'] !== undefined)
  throw new Error(
    '--warm-connections applies with --persistent; per connection or UDP use --warm-runs',
  );
/** The warm-up's load runs, one after another (`warm` in all): persistent, one connection each. */
const warmRuns = Number(
  values.persistent ? (values['warm-connections'] ?? 3) : (values['warm-runs'] ?? 1),
);
if (!(Number.isInteger(warmRuns) && warmRuns >= 1 && warm >= warmRuns)) {
  throw new Error(
    `--${values.persistent ? 'warm-connections' : 'warm-runs'} must be an integer from 1 to --warm`,
  );
}
/** What one counted unit is: a connection, a request on one persistent connection, a datagram. */
const unit = udp ? 'datagram' : persistent ? 'request' : 'connection';
const requests = Number(values.requests ?? (values.persistent ? 2000 : 1000));
const top = Number(values.top);
const semiSpace = Number(values['semi-space']);
if (!(Number.isInteger(semiSpace) && semiSpace >= 0)) throw new Error('--semi-space must be >= 0');
cleanUpOnExit();
const dir = fileURLToPath(new URL('./results/callgrind/', import.meta.url));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const sockload = buildSockload();

/** Runs `side` under callgrind and counts `requests` connections after `warm` ones. */
async function measure(side: Side, label: string) {
  const server = await startServer(
    {
      command: 'valgrind',
      args: [
        ...callgrindCommand(
          side.spec.command,
          join(dir, `${label}.out`),
          join(dir, `${label}-v8.log`),
          {
            earlyTurbofan: !values['default-tiers'],
            semiSpace,
            predictable: values.predictable,
          },
        ),
        ...side.spec.args,
      ],
      transport,
    },
    { timeoutMs: 600_000 },
  );
  const load = { conns: clients, duration: 3600, perRequest: !persistent, timeoutMs: 60_000 };
  for (let i = 0; i < warmRuns; i++) {
    const share = Math.floor(warm / warmRuns) + (i < warm % warmRuns ? 1 : 0);
    await runLoad(sockload, server, { ...load, maxRequests: share });
  }
  const result = await countedWindow(server.pid, () =>
    runLoad(sockload, server, { ...load, maxRequests: requests }),
  );
  keepPerfMap(server.pid, dir, label);
  await server.stop();
  const { all, main, gc } = readCounts(dir, label);
  return { label: side.label, served: result.requests, errors: result.errors, all, main, gc };
}

const results = [];
const sides: [Side, string][] = [[sockserve(transport, strategy), 'sockserve']];
if (!values['no-raw']) sides.push([rawNode(transport), 'raw']);
if (values.bare && !udp) sides.push([sockserve('tcp', strategy, { handler: 'bare' }), 'bare']);
if (values.line && !udp) sides.push([sockserve('tcp', strategy, { handler: 'line' }), 'line']);
for (const [side, label] of sides) {
  const r = await measure(side, label);
  results.push(r);
  const per = (n: number) => (n / requests).toFixed(0);
  console.log(
    `${r.label}: ${per(r.main.total)} instructions a ${unit} on the main thread (${per(r.gc)} of them in the collector), ${per(r.all)} in all threads (${r.served} served, ${r.errors} errors)`,
  );
  const ranked = [...r.main.byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, cost] of ranked)
    console.log(`  ${per(cost).padStart(7)}  ${name.slice(0, 140)}`);
}
stopEverything();
const a = results[0];
const b = results.find((r) => r.label === rawNode(transport).label);
if (a !== undefined && b !== undefined && top > 0) {
  // Where sockserve's extra instructions go: self instructions per unit, sockserve minus raw,
  // by function (a JIT function's tier mark dropped, so both sides name it alike).
  const byName = (costs: Map<string, number>) => {
    const merged = new Map<string, number>();
    for (const [name, cost] of costs) {
      const key = name.replace(/^JS:[*~^+]?'?/, 'JS:');
      merged.set(key, (merged.get(key) ?? 0) + cost);
    }
    return merged;
  };
  const mine = byName(a.main.byFunction);
  const theirs = byName(b.main.byFunction);
  const names = new Set([...mine.keys(), ...theirs.keys()]);
  const diff = [...names]
    .map((name) => [name, ((mine.get(name) ?? 0) - (theirs.get(name) ?? 0)) / requests] as const)
    .sort((x, y) => y[1] - x[1]);
  console.log(`${a.label} minus ${b.label}, self instructions a ${unit} (most, then least):`);
  for (const [name, cost] of [...diff.slice(0, top), ...diff.slice(-Math.ceil(top / 3))])
    console.log(`  ${cost.toFixed(0).padStart(7)}  ${name.slice(0, 140)}`);
}
console.log(
  JSON.stringify({
    warm,
    // The warm-up's load runs under both names: history files before session 23 read this key.
    warmConnections: warmRuns,
    warmRuns: values.persistent ? null : warmRuns,
    requests,
    tiers: values['default-tiers'] ? 'default' : 'turbofan-early',
    strategy,
    clients,
    unit,
    semiSpace,
    predictable: values.predictable,
    sockserveMain: Math.round((a?.main.total ?? 0) / requests),
    sockserveGc: Math.round((a?.gc ?? 0) / requests),
    rawMain: Math.round((b?.main.total ?? 0) / requests),
    rawGc: Math.round((b?.gc ?? 0) / requests),
    ...(values.line && !udp
      ? {
          lineMain: Math.round(
            (results.find((r) => r.label.endsWith('(line)'))?.main.total ?? 0) / requests,
          ),
        }
      : {}),
    ratioMain: b === undefined ? null : Number(((a?.main.total ?? 0) / b.main.total).toFixed(3)),
    sockserveAll: Math.round((a?.all ?? 0) / requests),
    rawAll: Math.round((b?.all ?? 0) / requests),
  }),
);
