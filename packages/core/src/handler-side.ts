/**
 * `@sockserve/core/handler`: only what a request handler's side needs — the handler base
 * class, its request types and `requestInfo`, the errors, the diagnostics channels and the
 * option checks a handler package validates with — without the server side of the root
 * (`@sockserve/core`: servers, transports, strategies, the pipeline, activation, health).
 * `@sockserve/stream` imports this, so a forking child or a worker that loads a stream handler
 * doesn't load the whole server (issue 19: `@sockserve/stream` loaded 67 of core's modules,
 * ~48 ms of CPU at a child's start without the compile cache). Everything here is the same
 * object as from the root — or, for `brand`, `FINISH_THEN`, `ignoreConnectionError`, `takeConnectionHead` and the option checks, from
 * `@sockserve/core/kit` (test/handler-barrel.test.ts checks it).
 */
export { brand } from './brand.js';
export { ignoreConnectionError } from './connection-error-guard.js';
export { takeConnectionHead } from './connection-preamble-head.js';
export { channels } from './diagnostics.js';
export { InvalidOptionError, SockserveError } from './errors.js';
export { FINISH_THEN, type FinishesThen } from './finish-then.js';
export { BaseRequestHandler } from './handler.js';
export { type RequestInfo, requestInfo } from './request-info.js';
export type { DatagramRequest, StreamRequest } from './transport.js';
export { optionalInteger, optionalTimeout, rejectUnknownOptions } from './validate.js';
