/**
 * An OpenTelemetry span per request, from sockserve's `sockserve:request` tracing channel
 * (`diagnostics_channel.tracingChannel`): the span starts when the request begins, carries the
 * client's address and the strategy, records the handler's error (or the cut), and ends when the
 * request is released. No handler code changes; nothing is built while nobody subscribes.
 *
 *   node examples/tracing-otel.ts --port 9999     # then: printf 'hi\n' | nc localhost 9999
 *
 * Each finished span is printed by the SDK's console exporter; the test uses the in-memory one.
 * Requests run in worker threads or child processes (threading, forking) get their span in the
 * main process too, from begin to the runner's answer.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { BaseRequestHandler, type RequestTraceContext, requestTracing } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { inetArgs, serveUntilSignal } from './lib/example-cli.ts';

/** The span's attributes for a client address: `{ host, port }` or a Unix socket path. */
function clientAttributes(address: unknown): Record<string, string | number> {
  if (typeof address === 'string') return { 'client.address': address };
  const { host, port } = address as { host: string; port: number };
  return { 'client.address': host, 'client.port': port };
}

/**
 * Starts a span (named `sockserve.request`, kind SERVER) for every request from now on, and
 * ends it when the request ends. Returns the function that stops tracing.
 */
export function traceRequests(tracer: Tracer): () => void {
  const spans = new WeakMap<RequestTraceContext, Span>();
  const subscribers = {
    start(message: unknown) {
      const context = message as RequestTraceContext;
      const span = tracer.startSpan('sockserve.request', {
        kind: SpanKind.SERVER,
        attributes: {
          ...clientAttributes(context.clientAddress),
          'sockserve.strategy': context.strategy,
        },
      });
      spans.set(context, span);
    },
    end() {},
    asyncStart() {},
    error(message: unknown) {
      const context = message as RequestTraceContext;
      const span = spans.get(context);
      if (span === undefined) return;
      const error = context.error;
      if (context.cut === true) span.setAttribute('sockserve.cut', true);
      if (error instanceof Error) span.recordException(error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    },
    asyncEnd(message: unknown) {
      const context = message as RequestTraceContext;
      spans.get(context)?.end();
      spans.delete(context);
    },
  };
  requestTracing.subscribe(subscribers);
  return () => requestTracing.unsubscribe(subscribers);
}

/**
 * Answers each line in upper case; `fail` raises (an error span), `wait` waits until the
 * server cuts it (a cut span).
 */
export class ShoutHandler extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const [chunk] = (await once(this.request, 'data')) as [Buffer];
    const line = chunk.toString().trim();
    if (line === 'fail') throw new Error('the client asked for a failure');
    if (line === 'wait') {
      this.request.write('waiting\n');
      await once(this.signal, 'abort');
      throw this.signal.reason;
    }
    this.request.end(`${line.toUpperCase()}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  });
  const stopTracing = traceRequests(provider.getTracer('sockserve-example'));
  const server = await TCPServer.create(inetArgs(), ShoutHandler);
  await serveUntilSignal(server);
  stopTracing();
  await provider.shutdown();
}
