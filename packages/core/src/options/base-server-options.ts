/** The options every server takes (Python's `BaseServer` constructor and class attributes). */
import { checkLogger, type ServerLogger } from '../logger.js';
import type { ConcurrencyStrategy } from '../strategy.js';
import { booleanOption, customOption, timeoutOption } from './option.js';
import { defineOptions, type OptionsInput } from './option-set.js';

export type { ServerLogger } from '../logger.js';

/** The declarations of {@link BaseServerOptions}; transports compose theirs with it. */
export const BASE_SERVER_OPTIONS = defineOptions('BaseServer', {
  bindAndActivate: booleanOption({
    default: true,
    doc: "bind and activate right away (Python's `bind_and_activate`)",
  }),
  // biome-ignore lint/suspicious/noExplicitAny: any request type; BaseServerOptions narrows it.
  strategy: customOption<ConcurrencyStrategy<any>>({
    defaultText: '`new SequentialStrategy()`',
    doc: 'where and how many requests run at once; one instance per server',
    expected: 'a concurrency strategy (an object with start() and close() methods)',
    invalidSample: 'threading',
    accepts: (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Partial<ConcurrencyStrategy>).start === 'function' &&
      typeof (value as Partial<ConcurrencyStrategy>).close === 'function',
  }),
  timeout: timeoutOption({
    doc: "`handleRequest()` deadline in ms (Python's `timeout`, in seconds there)",
  }),
  requestTimeout: timeoutOption({
    doc: "ms one request may run (`setup` to `finish`); past it the handler's `signal` aborts, the request is closed and `handleError` gets a `RequestTimeoutError`",
  }),
  sharedRequestScope: booleanOption({
    default: true,
    doc: "requests started from the same async context share one async resource (one `AsyncContextFrame`, Node 24+, instead of one per idle connection): `executionAsyncId()` / `executionAsyncResource()` are then the same for concurrent requests, and the caller's context stores live as long as the server; `false`: a resource of its own per request",
  }),
  logger: customOption<ServerLogger>({
    defaultText: "Python's traceback block on stderr",
    doc: "where the default `handleError()` reports a failed request: `logger.error({ err, clientAddress }, message)` (pino, bunyan and Fastify's logger fit); its `info`/`debug`, if any, get lifecycle events",
    expected: 'a logger with error(fields, message) — pino, bunyan, a Fastify logger',
    invalidSample: {},
    accepts: (value) => {
      try {
        return checkLogger(value) !== undefined;
      } catch {
        return false;
      }
    },
  }),
});

/** Options every server takes; see {@link BASE_SERVER_OPTIONS} for each one's doc and default. */
export type BaseServerOptions<TRequest = unknown> = Omit<
  OptionsInput<(typeof BASE_SERVER_OPTIONS)['specs']>,
  'strategy'
> & {
  /** Where and how many requests run at once. Default: a new `SequentialStrategy`. */
  readonly strategy?: ConcurrencyStrategy<TRequest>;
};
