/**
 * `@sockserve/core`: the server lifecycle (`BaseServer`), request handlers, the transport and
 * strategy contracts, the in-process strategies and the typed errors.
 */

export { type AccessRules, accessControl } from './access-control.js';
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
  BASE_SERVER_OPTIONS,
  BaseServer,
  type BaseServerOptions,
  type CloseReport,
  type ServeForeverOptions,
  type ServerCloseOptions,
  type ServerLogger,
} from './base-server.js';
export { DatagramIntake } from './datagram-intake.js';
export { channels } from './diagnostics.js';
export {
  BindError,
  HandlerLoadError,
  InvalidOptionError,
  RequestCutError,
  RequestTimeoutError,
  ServerExit,
  ServerStateError,
  SockserveError,
  type SockserveErrorCode,
  systemCode,
  UnanswerableError,
  UnsupportedError,
} from './errors.js';
export { closeGracefully } from './graceful-close.js';
export {
  BaseRequestHandler,
  checkHandlerSource,
  type HandlerLocation,
  type HandlerModuleRef,
  type HandlerSource,
  handlerLocation,
  isHandlerClass,
  type RequestHandlerClass,
  type RequestHandlerLike,
  resolveHandler,
} from './handler.js';
export { type SplitServerArgs, splitServerArgs } from './mixin-options.js';
export { type NetListenerConfig, NetListenerTransport } from './net-listener-transport.js';
export { assertReusePortSupported, nodeAtLeast, osMaxBacklog } from './platform.js';
export { reportRequestError } from './report-error.js';
export { RequestQueue } from './request-queue.js';
export { type RequestControl, type RequestStopper, runRequestHandler } from './run-request.js';
export { SequentialStrategy } from './sequential-strategy.js';
export { SlotWaiters } from './slot-waiters.js';
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
export {
  optionalBoolean,
  optionalInteger,
  optionalTimeout,
  rejectUnknownOptions,
} from './validate.js';
