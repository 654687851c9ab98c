/**
 * Preloaded into forking children by `bench/forking-handover.ts` (`--import`): records, on
 * CLOCK_MONOTONIC (`process.hrtime.bigint()`, the same clock in every process of the machine),
 * when the child process started running JavaScript and when each IPC message that carried a
 * handle was emitted, before the child's own listener runs, and when the child accepted a
 * connection itself (`acceptIn: 'children'`). The handler reads them from
 * `globalThis.__handover`.
 */
import diagnostics from 'node:diagnostics_channel';

const trace = { preload: process.hrtime.bigint(), received: [], accepted: undefined };
globalThis.__handover = trace;
// `acceptIn: 'children'`: the child's own accept of the connection.
diagnostics.subscribe('net.server.socket', () => {
  trace.accepted = process.hrtime.bigint();
});
process.on('message', (message, handle) => {
  if (handle !== undefined) trace.received.push(process.hrtime.bigint());
  if (message?.t === 'start') trace.start = process.hrtime.bigint();
});
