/**
 * `@sockserve/core`: the contracts (transport, concurrency strategy, request and address
 * types), the server lifecycle (`BaseServer`), request handlers, the in-process strategies
 * and the typed errors. Building blocks for transport and strategy authors are on
 * `@sockserve/core/kit`; the remote-runner machinery on `@sockserve/core/remote`.
 *
 * @packageDocumentation
 */

export { type AccessRules, accessControl } from './access-control.js';
export {
  type DescriptorInfo,
  type DescriptorKind,
  describeDescriptor,
} from './activation/describe-descriptor.js';
export {
  type InheritedSocket,
  isInheritedSocket,
  LISTEN_FDS_START,
  type ListenFd,
  type ListenFdsOptions,
  listenFds,
} from './activation/listen-fds.js';
export {
  formatAddress,
  type InetAddress,
  type InetAddressInput,
  type InetBindAddress,
  inetAddress,
  parseInetAddress,
  type SocketAddress,
  type UnixAddress,
  unixAddress,
} from './address.js';
export { AsyncStrategy, type AsyncStrategyOptions } from './async-strategy.js';
export {
  BaseServer,
  type BaseServerOptions,
  type CloseReport,
  type ServeForeverOptions,
  type ServerCloseOptions,
  type ServerLogger,
} from './base-server.js';
export type {
  ConnectionUpgrade,
  ConnectionUpgradeRef,
  RunnerConnectionUpgrade,
  ServerConnectionUpgrade,
} from './connection-upgrade.js';
export { channels, type RequestTraceContext, requestTracing } from './diagnostics.js';
export type { DrainOptions, ServerHealth } from './drain.js';
export {
  BindError,
  HandlerLoadError,
  InheritedDescriptorError,
  InvalidOptionError,
  RequestCutError,
  RequestTimeoutError,
  RequestUnservedError,
  ServerExit,
  ServerStateError,
  SockserveError,
  type SockserveErrorCode,
  systemCode,
  UnanswerableError,
  UnsupportedError,
} from './errors.js';
export {
  BaseRequestHandler,
  type HandlerLocation,
  type HandlerModuleRef,
  type HandlerSource,
  handlerLocation,
  isHandlerClass,
  type RequestHandlerClass,
  type RequestHandlerLike,
  resolveHandler,
} from './handler.js';
export { AGENT_REPLIES, startAgentCheck } from './health/agent-check.js';
export type { HealthEndpoint, HealthEndpointOptions } from './health/health-endpoint.js';
export {
  type HealthProbe,
  type HealthSource,
  type HealthStatus,
  healthOf,
} from './health/health-status.js';
export { startReadiness } from './health/readiness.js';
export { checkLogger, type RequestErrorFields } from './logger.js';
export { assertNotInRunner, currentRunner, NestedServerError } from './nested-server-guard.js';
export { peerResetCode } from './report-error.js';
export {
  attachRequestInfo,
  type RequestInfo,
  requestInfo,
  reviveRequestInfo,
} from './request-info.js';
export { isDatagramRequest, isStreamRequest } from './request-kind.js';
export type {
  RunnerPreambleRef,
  RunnerPreambleReport,
  ServerRunnerPreamble,
} from './runner-preamble.js';
export { SequentialStrategy } from './sequential-strategy.js';
export type {
  CloseMode,
  ConcurrencyStrategy,
  RemoteStopper,
  RequestJob,
  StrategyHost,
} from './strategy.js';
export type {
  DatagramRequest,
  IncomingRequest,
  ServerTransport,
  StreamRequest,
  TransportStats,
} from './transport.js';
