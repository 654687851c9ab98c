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
 * | `sockserve:connection.idle` | `{ request, reason, timeout }`: a handler's `rfile` ended the connection because the client sent nothing for `timeout` ms (`reason` `'idle-timeout'` or `'first-byte-timeout'`); published where the handler runs (a worker or child publishes in its own thread or process) |
 * | `sockserve:request.start` | `{ server, request, clientAddress }` |
 * | `sockserve:request.end` | `{ server, request, clientAddress, durationMs, error }` (`error` undefined on success) |
 * | `sockserve:server.shutdown` | `{ server }` |
 * | `sockserve:server.close` | `{ server, report }` |
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
} as const;

/** Publishes `message` on `channel` if anyone listens (the message is built only then). */
export function publish(channel: diagnostics.Channel, message: () => object): void {
  if (channel.hasSubscribers) channel.publish(message());
}
