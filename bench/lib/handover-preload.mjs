/**
 * Preloaded into forking children by `bench/forking-handover.ts` (`--import`): records, on
 * CLOCK_MONOTONIC (`process.hrtime.bigint()`, the same clock in every process of the machine),
 * when the child process started running JavaScript and when each IPC message that carried a
 * handle was emitted, before the child's own listener runs, and when the child accepted a
 * connection itself (`acceptIn: 'children'`). The handler reads them from
 * `globalThis.__handover`.
 *
 * The child's accept is stamped as its listener's `'connection'` is emitted, before any
 * listener runs — where the plain Node peers of `forking-accept-floor.ts` stamp theirs. (The
 * diagnostics channel `net.server.socket`, used before session 22, is published only after the
 * listeners returned: sockserve's whole synchronous accept path — closing its copy of the
 * socket, the `accepted` IPC message, the runner's delivery, the handler's construction —
 * counted as the kernel's accept then, and "accept → handle()" read ~0.) `acceptReturned` keeps
 * that later point.
 */
import diagnostics from 'node:diagnostics_channel';
import { Server } from 'node:net';

const trace = {
  preload: process.hrtime.bigint(),
  received: [],
  accepted: undefined,
  acceptReturned: undefined,
};
globalThis.__handover = trace;
// `acceptIn: 'children'`: the child's own accept of the connection, before its listeners run.
const emit = Server.prototype.emit;
Server.prototype.emit = function stampedEmit(event, ...args) {
  if (event === 'connection') trace.accepted = process.hrtime.bigint();
  return emit.call(this, event, ...args);
};
diagnostics.subscribe('net.server.socket', () => {
  trace.acceptReturned = process.hrtime.bigint();
});
process.on('message', (message, handle) => {
  if (handle !== undefined) trace.received.push(process.hrtime.bigint());
  if (message?.t === 'start') trace.start = process.hrtime.bigint();
});
