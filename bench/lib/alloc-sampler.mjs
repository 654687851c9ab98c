/**
 * Preloaded into a server (`node --import ./alloc-sampler.mjs`) by `persistent-cost.ts`: the
 * first SIGUSR2 starts V8's sampling heap profiler counting collected objects too (so the
 * sampled total is every byte allocated, garbage included); the next one stops it and appends
 * the sampled total in bytes, one line, to the file named by `SOCKSERVE_ALLOC_OUT` (and the
 * whole profile to `$SOCKSERVE_ALLOC_PROFILE-PID.json`, when set: allocation sites, for a
 * breakdown). With `SOCKSERVE_CPU_PROFILE` set, the same two signals start and stop the CPU
 * profiler instead, and the profile goes to `$SOCKSERVE_CPU_PROFILE-PID.json`: the
 * steady state only, without the start-up a `--cpu-prof` profile is dominated by.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.SOCKSERVE_ALLOC_OUT;
const cpu = process.env.SOCKSERVE_CPU_PROFILE;
const session = new Session();
session.connect();
let sampling = false;

/** Bytes of a sampling profile: the self sizes of every node of its tree. */
function total(node) {
  let bytes = node.selfSize;
  for (const child of node.children) bytes += total(child);
  return bytes;
}

function start() {
  if (cpu !== undefined) {
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 50 }, () =>
        session.post('Profiler.start'),
      ),
    );
    return;
  }
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

function stop() {
  if (cpu !== undefined) {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(`${cpu}-${process.pid}.json`, JSON.stringify(result.profile));
      if (out !== undefined) appendFileSync(out, 'NaN\n');
    });
    return;
  }
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (out === undefined) return;
    // The profile first: the total's line tells persistent-cost.ts the profile is there.
    const profile = process.env.SOCKSERVE_ALLOC_PROFILE;
    if (!error && profile !== undefined) {
      writeFileSync(`${profile}-${process.pid}.json`, JSON.stringify(result.profile));
    }
    appendFileSync(out, `${error ? 'NaN' : total(result.profile.head)}\n`);
  });
}

process.on('SIGUSR2', () => {
  sampling = !sampling;
  if (sampling) start();
  else stop();
});
