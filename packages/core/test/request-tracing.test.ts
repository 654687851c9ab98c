/**
 * The `sockserve:request` tracing channel and `server.inFlight`: one context per request, the
 * events of a promise-returning function in Node's order, `error` and `cut` on the context, and
 * the `start` stores active in the handler (what OpenTelemetry's context propagation needs).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BaseRequestHandler,
  RequestCutError,
  type RequestTraceContext,
  requestTracing,
} from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';

const resources = useResources();
const store = new AsyncLocalStorage<RequestTraceContext>();

/** "boom" throws, "stuck" answers and never returns, "store" answers the active store's strategy, else inFlight. */
class TracedHandler extends BaseRequestHandler<Socket, LineServer> {
  static readonly module = import.meta.url;
  override async handle(): Promise<void> {
    const [line] = (await once(this.request, 'data')) as [Buffer];
    const word = line.toString().trim();
    if (word === 'boom') throw new Error('boom');
    if (word === 'stuck') {
      this.request.write('stuck\n');
      await new Promise(() => {});
    }
    if (word === 'store') this.request.end(`${store.getStore()?.strategy}\n`);
    else this.request.end(`${this.server.inFlight}\n`);
  }
}

class QuietServer extends LineServer {
  readonly handled: unknown[] = [];
  override handleError(_request: Socket, _address: unknown, error: unknown): void {
    this.handled.push(error);
  }
}

type Event = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

/** Records every event of the channel until the test ends; `ended` resolves at each asyncEnd. */
function recordEvents() {
  const events: Array<[Event, RequestTraceContext, number]> = [];
  let ended: () => void = () => {};
  const record = (name: Event) => (message: unknown) => {
    const context = message as RequestTraceContext;
    events.push([name, context, (context.server as LineServer).inFlight]);
    if (name === 'asyncEnd') ended();
  };
  const subscribers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };
  requestTracing.subscribe(subscribers);
  resources.defer(() => requestTracing.unsubscribe(subscribers));
  return {
    events,
    nextEnd: () => new Promise<void>((resolve) => (ended = resolve)),
  };
}

async function ask(server: LineServer, line: string): Promise<string> {
  const socket = await resources.client(server.serverAddress);
  socket.write(line);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('the sockserve:request tracing channel', () => {
  it('traces a request start → end → asyncStart → asyncEnd on one context', async () => {
    const { events, nextEnd } = recordEvents();
    const server = resources.server(await QuietServer.create(TracedHandler));
    void server.serveForever();
    const ended = nextEnd();
    expect(await ask(server, 'hello\n')).toBe('1\n');
    await ended;
    expect(events.map(([name]) => name)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const context = events[0]?.[1];
    for (const [, each] of events) expect(each).toBe(context);
    expect(context).toMatchObject({ server, strategy: 'sequential' });
    expect(context?.clientAddress).toMatchObject({ host: '127.0.0.1' });
    expect(context?.error).toBeUndefined();
    expect(context?.cut).toBeUndefined();
    // In flight from start to the end; released before asyncEnd.
    expect(events.map(([, , inFlight]) => inFlight)).toEqual([1, 1, 0, 0]);
    expect(server.inFlight).toBe(0);
  });

  it("publishes error with the handler's error on the context", async () => {
    const { events, nextEnd } = recordEvents();
    const server = resources.server(await QuietServer.create(TracedHandler));
    void server.serveForever();
    const ended = nextEnd();
    expect(await ask(server, 'boom\n')).toBe('');
    await ended;
    expect(events.map(([name]) => name)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    const context = events[0]?.[1];
    expect(context?.error).toBe(server.handled[0]);
    expect(context?.error).toMatchObject({ message: 'boom' });
    expect(context?.cut).toBeUndefined();
  });

  it('marks a request a forced close cut', async () => {
    const { events, nextEnd } = recordEvents();
    const server = await QuietServer.create(TracedHandler);
    const loop = server.serveForever();
    const socket = await resources.client(server.serverAddress);
    socket.write('stuck\n');
    await once(socket, 'data');
    expect(server.inFlight).toBe(1);
    const ended = nextEnd();
    const report = await server.serverClose({ timeout: 0 });
    await loop;
    await ended;
    expect(report).toMatchObject({ cut: 1 });
    expect(events.map(([name]) => name)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    const context = events[0]?.[1];
    expect(context?.cut).toBe(true);
    expect(context?.error).toBeInstanceOf(RequestCutError);
    expect(server.handled).toEqual([]);
    expect(server.inFlight).toBe(0);
  });

  it("runs the request in start's stores: a store bound to start is the handler's", async () => {
    recordEvents();
    requestTracing.start.bindStore(store, (context) => context);
    resources.defer(() => requestTracing.start.unbindStore(store));
    const server = resources.server(await QuietServer.create(TracedHandler));
    void server.serveForever();
    expect(await ask(server, 'store\n')).toBe('sequential\n');
  });

  it('builds nothing for a request begun while nobody subscribed', async () => {
    const server = await QuietServer.create(TracedHandler);
    void server.serveForever();
    const socket = await resources.client(server.serverAddress);
    socket.write('stuck\n');
    await once(socket, 'data');
    // Subscribed mid-request: that request has no context, so no asyncEnd without a start.
    const { events } = recordEvents();
    await server.serverClose({ timeout: 0 });
    expect(events).toEqual([]);
  });
});
