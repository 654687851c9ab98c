/**
 * `diagnostics_channel` events, for tracing and metrics tools (OpenTelemetry, APM agents, your
 * own counters) to subscribe to without touching handler code. Publishing costs nothing while
 * a channel has no subscribers. Channel names are stable API:
 *
 * | channel | message |
 * |---|---|
 * | `sockserve:server.listening` | `{ server, address }` |
 * | `sockserve:connection.accepted` | `{ address, clientAddress }` (stream transports) |
 * | `sockserve:connection.refused` | `{ address, clientAddress, reason }` (`'queue-full'`, `'max-connections'`, `'per-client-limit'`) |
 * | `sockserve:proxy.rejected` | `{ address, clientAddress, reason, error }`: a connection (or datagram) closed by the `proxyProtocol` preamble (`reason` `'untrusted'`, `'timeout'`, or the PROXY parser's); any preamble named `<name>` publishes on `sockserve:<name>.rejected` |
 * | `sockserve:connection.idle` | `{ request, reason, timeout }`: a handler's `rfile` ended the connection because the client sent nothing for `timeout` ms (`reason` `'idle-timeout'` or `'first-byte-timeout'`), or sent the rest of a request below its `minReadRate` (`reason` `'min-rate'`, `timeout` the grace, plus `bytesPerSecond`, `received`, `waited`); published where the handler runs (a worker or child publishes in its own thread or process) |
 * | `sockserve:request.start` | `{ server, request, clientAddress }` |
 * | `sockserve:request.end` | `{ server, request, clientAddress, durationMs, error }` (`error` undefined on success) |
 * | `sockserve:server.shutdown` | `{ server }` |
 * | `sockserve:server.close` | `{ server, report }` |
 * | `sockserve:client.backoff` | `{ server, strategy, runner, client, crashes, delayMs, refused }`: a client's requests crashed workers or children `crashes` times in a row; its requests are refused for `delayMs` ms, then run one at a time (`refused`: refused since its previous event) |
 * | `sockserve:runner.backoff` | `{ server, strategy, runner, crashes, delayMs, windowMs }`: workers or children died `crashes` times in a row outside any request; at most one starts per `windowMs`, the next in `delayMs` ms |
 *
 * And a tracing channel, {@link requestTracing}: `tracing:sockserve:request:*`.
 *
 * A `connection.accepted` subscriber runs in the listener's accept: in the async context the
 * server was bound in (where `create()` ran), not the one `serveForever()` was called in. On
 * Node 24 on (`sharedRequestScope` left on) that context is marked as one of the server's
 * requests, as a UDP server's events are: a `shutdown()` called from the subscriber resolves
 * at once, as from a handler, instead of waiting for the serve loop.
 */
import diagnostics from 'node:diagnostics_channel';

/** The channels; subscribe with `diagnostics_channel.subscribe(name, fn)` or use these objects. */
export const channels = {
  listening: diagnostics.channel('sockserve:server.listening'),
  accepted: diagnostics.channel('sockserve:connection.accepted'),
  refused: diagnostics.channel('sockserve:connection.refused'),
  idle: diagnostics.channel('sockserve:connection.idle'),
  requestStart: diagnostics.channel('sockserve:request.start'),
  requestEnd: diagnostics.channel('sockserve:request.end'),
  shutdown: diagnostics.channel('sockserve:server.shutdown'),
  close: diagnostics.channel('sockserve:server.close'),
  clientBackoff: diagnostics.channel('sockserve:client.backoff'),
  runnerBackoff: diagnostics.channel('sockserve:runner.backoff'),
} as const;

/** Publishes `message` on `channel` if anyone listens (the message is built only then). */
export function publish(channel: diagnostics.Channel, message: () => object): void {
  if (channel.hasSubscribers) channel.publish(message());
}

/**
 * What the `sockserve:request` tracing channel publishes: one object per request, the same on
 * every event of that request (a subscriber may keep its span on it).
 */
export interface RequestTraceContext {
  /** The server serving the request. */
  readonly server: object;
  /** The transport's request (a socket, a datagram `[data, socket]`). */
  readonly request: unknown;
  /** Python's `client_address`. */
  readonly clientAddress: unknown;
  /** The strategy's name: `sequential`, `async`, `threading`, `forking`, … */
  readonly strategy: string;
  /** Why it ended badly: the handler's (or a hook's) error, or the cut's `RequestCutError`. */
  error?: unknown;
  /** True when a close (or `requestTimeout`) cut the request. */
  cut?: boolean;
}

/**
 * `diagnostics_channel.tracingChannel('sockserve:request')`, published by the request pipeline
 * around each request as Node does for a promise-returning function: `start` at begin (through
 * `runStores`, so a store bound to it — OpenTelemetry's context — is active in the handler),
 * `end` once the synchronous part returned, then at the end `error` (failure or cut), `asyncStart`
 * and `asyncEnd`. Built only while it has subscribers.
 */
export const requestTracing = diagnostics.tracingChannel<unknown, RequestTraceContext>(
  'sockserve:request',
);
