/**
 * What a TLS client backing off after crashes sees (threading / forking). A client whose
 * requests crashed 5 runners in a row is refused by the strategy (`admit`) before its
 * connection moves; TLS would have ended in the runner, so nothing has spoken TLS to it yet.
 * Decided: it gets its handshake in the server's process, then a TLS close with no data — an
 * empty reply, as a plain TCP client refused the same way gets, and as a connection
 * `verifyRequest()` refuses gets — not a connection cut mid-handshake, which a client can't
 * tell from a network fault. The refusal is counted as refused, not as a failed handshake.
 */
import diagnostics from 'node:diagnostics_channel';
import { connect as netConnect } from 'node:net';
import { connect } from 'node:tls';
import { ForkingMixIn } from '@sockserve/forking';
import { useCerts } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSServer } from '../src/index.js';
import { ExitOnRequestHandler } from './fixtures/handlers.js';
import { useFailureWatch, useServers } from './helpers/serve.js';

class ThreadingTLSServer extends ThreadingMixIn(TLSServer) {}
class ForkingTLSServer extends ForkingMixIn(TLSServer) {}

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();
const watch = useFailureWatch();

const address = { host: '127.0.0.1', port: 0 };
const quiet = { error: () => {}, warn: () => {} };

/** What a TLS client from `from` saw: whether its handshake ended, what it read, any error code. */
interface Seen {
  readonly secure: boolean;
  readonly reply: string;
  readonly error: string | undefined;
}

/** One TLS connection from `from`: sends `line`, reads until the server closes. */
function tlsAskFrom(port: number, from: string, line: string): Promise<Seen> {
  return new Promise((resolve) => {
    let secure = false;
    let reply = '';
    let error: string | undefined;
    const raw = netConnect({ host: '127.0.0.1', port, localAddress: from });
    const socket = connect({ socket: raw, ca: certs.ca.cert, servername: 'localhost' }, () => {
      secure = true;
      socket.write(`${line}\n`);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
    });
    socket.on('error', (failure: Error & { code?: string }) => {
      error = failure.code ?? failure.message;
    });
    socket.on('close', () => resolve({ secure, reply, error }));
  });
}

const cases = [
  {
    name: 'threading (2 workers)',
    make: () =>
      new ThreadingTLSServer(address, ExitOnRequestHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        maxWorkers: 2,
        crashBackoff: 60_000,
        logger: quiet,
      }),
  },
  {
    name: 'forking (2 children)',
    make: () =>
      new ForkingTLSServer(address, ExitOnRequestHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        maxChildren: 2,
        crashBackoff: 60_000,
        logger: quiet,
      }),
  },
] as const;

describe.each(cases)('a TLS client backing off after crashes, $name', ({ make }) => {
  it('gets a handshake and a TLS close with no data; it counts as refused, not as a failed handshake', async () => {
    const server = await servers.start(make());
    server.handleError = () => {};
    const port = server.serverAddress.port;
    // The pool's report that the client backs off (it can reach the server after the client
    // saw its connection close).
    const backingOff = new Promise<void>((resolve) => {
      const onBackoff = (message: unknown) => {
        if ((message as { server?: unknown }).server !== server) return;
        diagnostics.unsubscribe('sockserve:client.backoff', onBackoff);
        resolve();
      };
      diagnostics.subscribe('sockserve:client.backoff', onBackoff);
    });
    for (let n = 0; n < 5; n++) {
      const crashed = await tlsAskFrom(port, '127.0.0.1', 'exit');
      expect(crashed).toMatchObject({ secure: true, reply: '' });
    }
    await backingOff;
    expect(server.crashStats).toMatchObject({ crashes: 5, clientBackoffs: 1, refused: 0 });

    const refused = await tlsAskFrom(port, '127.0.0.1', 'hello');
    expect(refused).toEqual({ secure: true, reply: '', error: undefined });
    expect(server.crashStats.refused).toBe(1);
    // Another client is served meanwhile.
    expect(await tlsAskFrom(port, '127.0.0.2', 'hello')).toEqual({
      secure: true,
      reply: 'ok\n',
      error: undefined,
    });
    expect(server.stats.handshakeFailed).toBe(0);
    expect(watch.seen.filter((failure) => failure.server === server)).toEqual([]);
  });
});
