/**
 * A client's reset (issue 13, item 7): the default `handleError()` prints one line with the
 * client's address instead of a stack, and an overridden `handleError()` still gets the error.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AsyncStrategy,
  peerResetCode,
  RequestTimeoutError,
  type SocketAddress,
} from '../src/index.js';
import { runnerExecArgv } from '../src/kit/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';
import { FloodHandler, resetMidReply } from './fixtures/peer-reset.js';

const resources = useResources();

describe('a client that resets mid-reply', () => {
  it('an overridden handleError() still receives the error (ECONNRESET or EPIPE)', async () => {
    const seen: Array<{ error: unknown; clientAddress: SocketAddress }> = [];
    class Recording extends LineServer {
      override handleError(_request: Socket, clientAddress: SocketAddress, error: unknown): void {
        seen.push({ error, clientAddress });
      }
    }
    const server = resources.server(
      await Recording.create(FloodHandler, { strategy: new AsyncStrategy() }),
    );
    void server.serveForever();
    const clientPort = await resetMidReply(await resources.client(server.serverAddress));
    while (seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.clientAddress).toEqual({ family: 'IPv4', host: '127.0.0.1', port: clientPort });
    expect(seen[0]?.error).toBeInstanceOf(Error);
    expect(peerResetCode(seen[0]?.error)).toMatch(/^(?:ECONNRESET|EPIPE)$/);
  });
});

describe('peerResetCode', () => {
  it.each([
    [
      'a system ECONNRESET',
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      'ECONNRESET',
    ],
    ['a system EPIPE', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), 'EPIPE'],
    [
      'wrapped as a cause',
      new Error('the stream is closed', {
        cause: Object.assign(new Error('x'), { code: 'EPIPE' }),
      }),
      'EPIPE',
    ],
    [
      'a stream-closed error rebuilt in another thread',
      Object.assign(new Error('the stream is closed: read ECONNRESET'), {
        code: 'ERR_SOCKSERVE_STREAM_CLOSED',
      }),
      'ECONNRESET',
    ],
    ['a handler error', new Error('ECONNRESET in a message only'), undefined],
    ['a request timeout', new RequestTimeoutError(10), undefined],
    ['not an error', 'ECONNRESET', undefined],
  ])('%s', (_name, error, expected) => {
    expect(peerResetCode(error)).toBe(expected);
  });
});

describe('runnerExecArgv', () => {
  it.each([
    [['--inspect'], []],
    [['--inspect=127.0.0.1:0', '--no-warnings'], ['--no-warnings']],
    [['--inspect-brk=9230', '--max-old-space-size=64'], ['--max-old-space-size=64']],
    [
      ['--inspect-port', '9231', '--inspect-wait', '--enable-source-maps'],
      ['--enable-source-maps'],
    ],
    [['--inspect-publish-uid=http', '--conditions=dev'], ['--conditions=dev']],
    [['-e', 'startServer()', '--no-deprecation'], ['--no-deprecation']],
    [
      ['--eval=1', '-p', '2', '--import', 'tsx'],
      ['--import', 'tsx'],
    ],
  ])('%j → %j', (given, expected) => {
    expect(runnerExecArgv(given)).toEqual(expected);
  });

  it("defaults to this process's execArgv", () => {
    expect(runnerExecArgv()).toEqual(runnerExecArgv(process.execArgv));
  });
});
