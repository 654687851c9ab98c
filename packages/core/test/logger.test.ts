/**
 * The `logger` option against real pino (issue 13, item 6): the pino / Fastify convention
 * `logger.error({ err, clientAddress }, msg)` gives a record with the error's type, message and
 * stack and the client's address; `info` / `debug` get the lifecycle; a client's reset is one
 * info record without a stack.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AsyncStrategy, BaseRequestHandler, InvalidOptionError } from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';
import { FloodHandler, resetMidReply } from './fixtures/peer-reset.js';

const resources = useResources();

/** A pino logger at `debug` writing JSON lines into `records`. */
function pinoInto(records: Array<Record<string, unknown>>) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return pino({ level: 'debug', base: null, timestamp: false }, sink);
}

/** Reads one chunk, then fails with a named error. */
class FailingHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    await once(this.request, 'data');
    throw new RangeError('no such record');
  }
}

/** Waits until `records` has one matching `predicate` (pino writes synchronously into the sink). */
async function recordWhere(
  records: Array<Record<string, unknown>>,
  predicate: (record: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (;;) {
    const found = records.find(predicate);
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('logger: pino', () => {
  it('a failed request: level error, err with type, message and stack, the client address', async () => {
    const records: Array<Record<string, unknown>> = [];
    const server = resources.server(
      await LineServer.create(FailingHandler, { logger: pinoInto(records) }),
    );
    void server.serveForever();
    const client = await resources.client(server.serverAddress);
    client.write('x');
    const record = await recordWhere(records, (r) => r.level === 50);
    expect(record).toEqual({
      level: 50,
      err: {
        type: 'RangeError',
        message: 'no such record',
        stack: expect.stringMatching(/^RangeError: no such record\n\s+at FailingHandler\.handle /),
      },
      clientAddress: { family: 'IPv4', host: '127.0.0.1', port: client.localPort },
      msg: `exception occurred during processing of request from 127.0.0.1:${client.localPort}`,
    });
  });

  it('the lifecycle: listening (info), shutdown requested (debug), server closed (info)', async () => {
    const records: Array<Record<string, unknown>> = [];
    const server = await LineServer.create(FailingHandler, { logger: pinoInto(records) });
    const port = (server.serverAddress as { port: number }).port;
    const loop = server.serveForever();
    await server.shutdown();
    await loop;
    await server.serverClose();
    expect(records).toEqual([
      {
        level: 30,
        address: { family: 'IPv4', host: '127.0.0.1', port },
        msg: `listening on 127.0.0.1:${port}`,
      },
      { level: 20, msg: 'shutdown requested' },
      {
        level: 30,
        accepted: 0,
        finished: 0,
        failed: 0,
        cut: 0,
        refused: 0,
        dropped: 0,
        detached: 0,
        msg: 'server closed',
      },
    ]);
  });

  it('a client that resets mid-reply: one info record, its address and code, no stack', async () => {
    const records: Array<Record<string, unknown>> = [];
    const server = resources.server(
      await LineServer.create(FloodHandler, {
        logger: pinoInto(records),
        strategy: new AsyncStrategy(),
      }),
    );
    void server.serveForever();
    const clientPort = await resetMidReply(await resources.client(server.serverAddress));
    const record = await recordWhere(records, (r) => 'code' in r);
    expect(record).toEqual({
      level: 30,
      clientAddress: { family: 'IPv4', host: '127.0.0.1', port: clientPort },
      code: expect.stringMatching(/^(?:ECONNRESET|EPIPE)$/),
      msg: expect.stringMatching(
        new RegExp(
          `^client 127\\.0\\.0\\.1:${clientPort} (?:reset|closed) the connection during its request \\((?:ECONNRESET|EPIPE)\\)$`,
        ),
      ),
    });
    expect(records.filter((r) => r.level === 50)).toEqual([]);
  });
});

describe('logger: the option', () => {
  it.each([
    ['an object without error()', {}],
    ['info that is not a function', { error() {}, info: 'yes' }],
    ['a string', 'pino'],
  ])('%s is an InvalidOptionError, before anything is bound', (_name, logger) => {
    let error: unknown;
    try {
      new LineServer(FailingHandler, { logger: logger as never, bindAndActivate: false });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_INVALID_OPTION',
      option: 'logger',
      message: expect.stringMatching(
        /^option "logger" must be a logger with error\(fields, message\) — pino, bunyan, a Fastify logger; received /,
      ),
    });
  });
});
