/**
 * Event-loop stall probe for `bench/idle-clients.ts --probe FILE` (issue 20): preloaded with
 * `--require` through NODE_OPTIONS, so it runs in the server's main thread AND in every worker
 * thread (an `--import` preload does not reach workers). Each thread appends JSON lines to
 * `SOCKSERVE_PROBE_FILE`:
 * - `{"kind":"stall","thread","at","ms"}` whenever a 5 ms timer fired more than 15 ms late
 *   (`at`: epoch ms when the loop got back, so the bench can line it up with its own clock);
 * - `{"kind":"delay","thread","at","p50","p99","max"}` once a second: that second's
 *   `perf_hooks.monitorEventLoopDelay` (ms), written only when its max exceeds 5 ms;
 * - `{"kind":"gc","thread","at","ms","gc"}` for each garbage collection of 5 ms or more
 *   (`at`: when it ended; `gc`: minor, major, incremental or weakcb). `--trace-gc` would say
 *   more, but Node refuses it in NODE_OPTIONS and in a worker's `execArgv`.
 * Written synchronously (a worker ended by `terminate()` runs no exit handler). CommonJS
 * because only `--require` preloads run in workers.
 * With `SOCKSERVE_PROBE_TRACE_GC=1` the main thread turns on V8's `--trace-gc` with
 * `v8.setFlagsFromString` (V8's flags are the process's, so every worker's isolate traces
 * too; one line per collection on stdout, with its reason), which the bench appends to
 * `FILE.gc`.
 */
const { appendFileSync } = require('node:fs');
const { constants, monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');
const { isMainThread, threadId } = require('node:worker_threads');

const file = process.env.SOCKSERVE_PROBE_FILE;
if (file) {
  if (isMainThread && process.env.SOCKSERVE_PROBE_TRACE_GC === '1')
    require('node:v8').setFlagsFromString('--trace-gc');
  const thread = isMainThread ? 'main' : `worker#${threadId}`;
  const write = (record) => appendFileSync(file, `${JSON.stringify({ thread, ...record })}\n`);
  const TICK_MS = 5;
  const STALL_MS = 15;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    last = now;
    if (late > STALL_MS) write({ kind: 'stall', at: Date.now(), ms: Math.round(late) });
  }, TICK_MS).unref();
  const GC_KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration < 5) continue;
      const at = Math.round(performance.timeOrigin + entry.startTime + entry.duration);
      const gc = GC_KINDS[entry.detail?.kind] ?? 'other';
      write({ kind: 'gc', at, ms: Math.round(entry.duration), gc });
    }
  }).observe({ entryTypes: ['gc'] });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  setInterval(() => {
    const ms = (ns) => Math.round(ns / 1e5) / 10;
    if (histogram.max / 1e6 > 5) {
      write({
        kind: 'delay',
        at: Date.now(),
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
      });
    }
    histogram.reset();
  }, 1000).unref();
}
