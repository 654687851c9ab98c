/**
 * examples/tracing-otel.ts: one OpenTelemetry span per request — a served one, one whose
 * handler failed, one a forced close cut — exported to the SDK's in-memory exporter.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { requestTracing } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { Teardown } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { ShoutHandler, traceRequests } from '../tracing-otel.ts';

const teardown = new Teardown();
afterEach(() => teardown.run());

/** Resolves once `count` more requests ended (after the example's subscriber ended their span). */
function requestsEnded(count: number): Promise<void> {
  return new Promise((resolve) => {
    let left = count;
    const onEnd = () => {
      left -= 1;
      if (left === 0) {
        requestTracing.asyncEnd.unsubscribe(onEnd);
        resolve();
      }
    };
    requestTracing.asyncEnd.subscribe(onEnd);
  });
}

async function client(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  teardown.add(() => socket.destroy());
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

async function ask(port: number, line: string): Promise<string> {
  const socket = await client(port);
  socket.write(line);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

it('exports a span per request: served, failed, cut', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  teardown.add(() => provider.shutdown());
  teardown.add(traceRequests(provider.getTracer('test')));
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, ShoutHandler);
  // The handler's error reaches handleError, which would print a traceback: keep the output clean.
  server.handleError = () => {};
  const loop = server.serveForever();
  const port = (server.serverAddress as { port: number }).port;

  const ended = requestsEnded(3);
  expect(await ask(port, 'hello\n')).toBe('HELLO\n');
  expect(await ask(port, 'fail\n')).toBe('');
  const waiting = await client(port);
  waiting.write('wait\n');
  await once(waiting, 'data');
  const report = await server.serverClose({ timeout: 0 });
  await loop;
  await ended;
  expect(report).toMatchObject({ finished: 2, failed: 1, cut: 1 });

  const spans = exporter.getFinishedSpans();
  expect(spans.map((span) => span.name)).toEqual([
    'sockserve.request',
    'sockserve.request',
    'sockserve.request',
  ]);
  for (const span of spans) {
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({
      'client.address': '127.0.0.1',
      'sockserve.strategy': 'sequential',
    });
    expect(span.attributes['client.port']).toEqual(expect.any(Number));
  }
  const [served, failed, cut] = spans;
  expect(served?.status.code).toBe(SpanStatusCode.UNSET);
  expect(served?.events).toEqual([]);

  expect(failed?.status).toEqual({
    code: SpanStatusCode.ERROR,
    message: 'the client asked for a failure',
  });
  expect(failed?.events.map((event) => event.name)).toEqual(['exception']);
  expect(failed?.attributes['sockserve.cut']).toBeUndefined();

  expect(cut?.status.code).toBe(SpanStatusCode.ERROR);
  expect(cut?.attributes['sockserve.cut']).toBe(true);
  expect(cut?.events[0]?.attributes?.['exception.type']).toBe('ERR_SOCKSERVE_REQUEST_CUT');
});
