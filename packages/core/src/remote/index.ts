/**
 * `@sockserve/core/remote`: what the threading and forking strategies share to run handlers
 * in another thread or process — the message protocol, the runner contract and pool, the
 * remote strategy, the relay of stream bytes, and the runner-side request runner.
 *
 * @module remote
 */
export {
  applyHandlerDefaults,
  HANDLER_DEFAULT_KEYS,
  type HandlerDefaults,
  type ReadRateDefault,
  readHandlerDefaults,
} from './handler-defaults.js';
export { type GrowAfter, type GrowthMode, PoolGrowth } from './pool-growth.js';
export {
  type FromRunner,
  type RemoteErrorInfo,
  type RunnerInit,
  type ToRunner,
  toRemoteError,
} from './protocol.js';
export { type DetachedBytes, detachReadBytes, restoreReadBytes } from './read-bytes.js';
export { RelayDuplex, WRITE_WINDOW } from './relay-duplex.js';
export {
  fromRemoteError,
  RemoteHandlerError,
  RunnerExitError,
  WaitingConnectionLostError,
} from './remote-error.js';
export {
  CRASH_BACKOFF,
  CRASH_RESET_AFTER,
  GROW_AFTER,
  remoteStrategyOptions,
  TRANSFER,
} from './remote-options.js';
export { RemoteServer } from './remote-server.js';
export { RemoteStrategy, type RemoteStrategyConfig } from './remote-strategy.js';
export { RequestRunner } from './request-runner.js';
export {
  type BackoffNotice,
  CRASHES_IN_A_ROW,
  type CrashStats,
  crashKey,
  RestartPolicy,
  type RestartPolicyOptions,
} from './restart-policy.js';
export type { Runner, RunnerFactory, TerminateReason } from './runner.js';
export { remoteStopper } from './runner-dispatch.js';
export {
  PooledRunner,
  type RunnerJob,
  RunnerPool,
  type RunnerPoolHooks,
  type RunnerPoolOptions,
} from './runner-pool.js';
export { SocketRelay } from './socket-relay.js';
export {
  initialRunners,
  isSpare,
  mayDeferStart,
  mayIdleOut,
  readyWithRoom,
  type SpareBounds,
  type SpareCensus,
  type SpareChange,
  type SpareView,
  spareAdjustment,
  takeCensus,
} from './spare-keeper.js';
