/**
 * `@sockserve/core/kit`: building blocks for transport and strategy authors — the net
 * listener, the bounded request queue and slot waiters, datagram intake, option
 * declarations and checks, platform checks, the mixin option splitting, brands, and the
 * request runner every strategy runs handlers through. An application needs none of it:
 * `@sockserve/core`'s root has the contracts, the lifecycle and the errors.
 *
 * A transport package (TLS, say) declares its options with {@link defineOptions} and the
 * shared declarations, composes them with {@link BASE_SERVER_OPTIONS}, passes its own set to
 * `BaseServer`'s constructor, and builds its transport on {@link NetListenerTransport} or
 * {@link DatagramIntake}. A strategy package declares its options the same way and gets a
 * Python-style mixin from {@link composeMixinOptions} and {@link splitServerArgs}.
 */

export { markAcceptedElsewhere } from '../accepted-elsewhere.js';
export { parseRule } from '../access-control.js';
export { checkInheritedDescriptor } from '../activation/listen-fds.js';
export { ASYNC_STRATEGY_OPTIONS } from '../async-strategy.js';
export { brand, brandedSubclassOf } from '../brand.js';
export { ignoreConnectionError } from '../connection-error-guard.js';
export {
  type ConnectionPreamble,
  countPreambleElsewhere,
  type PreambleOutcome,
  type PreambleSettle,
  preambleRejectedChannel,
} from '../connection-preamble.js';
export {
  holdConnectionHead,
  holdsConnectionHead,
  keepConnectionHead,
  restoreConnectionHead,
  takeConnectionHead,
} from '../connection-preamble-head.js';
export { DatagramIntake } from '../datagram-intake.js';
export { DatagramTransport, type DatagramTransportConfig } from '../datagram-transport.js';
export {
  type AcceptedPeer,
  type EarlyRefusalDecision,
  installEarlyRefusal,
} from '../early-refusal.js';
export { FINISH_THEN, type FinishesThen } from '../finish-then.js';
export { closeGracefully } from '../graceful-close.js';
export { checkHandlerSource } from '../handler.js';
export { extendsBaseRequestHandler, pickHandlerExport } from '../handler-export.js';
export { type HandlerImportOptions, importHandlerModule } from '../handler-import.js';
export {
  type AnyServerConstructor,
  composeMixinOptions,
  type MixableServerClass,
  type MixinOptions,
  type MixinServerClass,
  type SplitServerArgs,
  splitServerArgs,
  type WithMixinOptions,
} from '../mixin-options.js';
export { canMoveSocket, handleMoved } from '../moved-socket.js';
export { markRunner } from '../nested-server-guard.js';
export { type NetListenerConfig, NetListenerTransport } from '../net-listener-transport.js';
export { BASE_SERVER_OPTIONS } from '../options/base-server-options.js';
export {
  type DeclaredServerClass,
  type ServerOptionsOf,
  serverWithOptions,
} from '../options/declared-server.js';
export {
  type AnyOptionSpec,
  booleanOption,
  type Custom,
  choiceOption,
  customOption,
  type Declared,
  durationOption,
  functionOption,
  integerOption,
  type OptionSpec,
  option,
  timeoutOption,
  type WithDefault,
} from '../options/option.js';
export {
  type AnyOptionSet,
  atMost,
  defineOptions,
  OptionSet,
  type OptionSpecs,
  type OptionsCheck,
  type OptionsInput,
  type ResolvedOptions,
} from '../options/option-set.js';
export {
  ALLOW_REUSE_PORT,
  BLOCK_ON_CLOSE,
  CLOSE_TIMEOUT,
  DATAGRAM_QUEUE_SIZE,
  IPV6_ONLY,
  idleTimeoutOption,
  LISTEN_QUEUE_SIZE,
  MAX_CONNECTIONS,
  MAX_CONNECTIONS_PER_CLIENT,
  maxPacketSizeOption,
  PER_CLIENT_IPV6_PREFIX,
  RECV_BUFFER_SIZE,
  SEND_BUFFER_SIZE,
} from '../options/shared-options.js';
export { peerAddress } from '../peer-address.js';
export {
  clientKey,
  DEFAULT_PER_CLIENT_IPV6_PREFIX,
  PerClientLimit,
} from '../per-client-limit.js';
export {
  assertReusePortSupported,
  descriptorLimit,
  nodeAtLeast,
  osMaxBacklog,
} from '../platform.js';
export { reportRequestError } from '../report-error.js';
export { RequestQueue } from '../request-queue.js';
export { type RequestControl, type RequestStopper, runRequestHandler } from '../run-request.js';
export { runnerExecArgv } from '../runner-exec-argv.js';
export { SlotWaiters } from '../slot-waiters.js';
export {
  optionalBoolean,
  optionalInteger,
  optionalTimeout,
  rejectUnknownOptions,
} from '../validate.js';
