/**
 * Preloaded into forking children by `bench/forking-handover.ts` (`--import`): records, on
 * CLOCK_MONOTONIC (`process.hrtime.bigint()`, the same clock in every process of the machine),
 * when the child process started running JavaScript and when each IPC message that carried a
 * handle was emitted, before the child's own listener runs. The handler reads them from
 * `globalThis.__handover`.
 */
const trace = { preload: process.hrtime.bigint(), received: [] };
globalThis.__handover = trace;
process.on('message', (message, handle) => {
  if (handle !== undefined) trace.received.push(process.hrtime.bigint());
  if (message?.t === 'start') trace.start = process.hrtime.bigint();
});
