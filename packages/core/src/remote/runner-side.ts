/**
 * `@sockserve/core/remote/runner`: only what a runner (a forking child, a worker thread)
 * needs to run requests — {@link RequestRunner} and the messages it speaks — without the
 * server side of `@sockserve/core/remote` (the pool, the strategy, the restart policy, the
 * relays). A child process imports this before it is ready, so every module it leaves out
 * is start-up time a per-request child doesn't spend (issue 19).
 */
export type { FromRunner, RemoteErrorInfo, RunnerInit, ToRunner } from './protocol.js';
export { toRemoteError } from './protocol.js';
export { RemoteServer } from './remote-server.js';
export { RequestRunner } from './request-runner.js';
