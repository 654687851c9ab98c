/**
 * Session-ticket keys are the server's, shared by every runner: under threading and forking a
 * ticket issued by one worker or child resumes on another (each used to make its own keys, so
 * a ticket resumed only where it was issued); a certificate reload keeps them there too, and
 * `rotateTicketKeys()` replaces them everywhere (an old ticket then gets a full handshake).
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { InvalidOptionError } from '@sockserve/core';
import { ForkingMixIn } from '@sockserve/forking';
import { makeCerts, type TestCerts } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSServer } from '../src/index.js';
import { WhereLinesHandler } from './fixtures/handlers.js';
import { ticketClient } from './helpers/clients.js';
import { useServers } from './helpers/serve.js';

class ThreadingTLSServer extends ThreadingMixIn(TLSServer) {}
class ForkingTLSServer extends ForkingMixIn(TLSServer) {}

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());
const servers = useServers();

const address = { host: '127.0.0.1', port: 0 };

/** An open session: where its handler runs, whether it resumed, the ticket it was given. */
interface Session {
  readonly where: string;
  readonly reused: boolean;
  readonly ticket: Buffer;
  close(): Promise<void>;
}

/** Connects (resuming `session` when given), asks where it is served; stays open. */
async function open(port: number, session?: Buffer): Promise<Session> {
  const { socket, reused, ticket } = await ticketClient(port, certs.ca.cert, session);
  const lines = createInterface({ input: socket });
  socket.write('where\n');
  const [line] = (await once(lines, 'line')) as [string];
  const { pid, threadId } = JSON.parse(line) as { pid: number; threadId: number };
  // TLS 1.3 tickets come after a full handshake, before the reply; a resumed session keeps
  // the ticket it came with.
  if (!reused) expect(ticket()).toBeInstanceOf(Buffer);
  return {
    where: `${pid}/${threadId}`,
    reused,
    ticket: ticket() ?? (session as Buffer),
    close: async () => {
      socket.end();
      await once(socket, 'close');
    },
  };
}

/**
 * Holds a session on one runner while resuming its ticket: the pool gives the next connection
 * to the least-loaded runner, the other one.
 */
async function resumeElsewhere(port: number, ticket?: Buffer) {
  const first = await open(port, ticket);
  const second = await open(port, first.ticket);
  await first.close();
  await second.close();
  return { first, second };
}

const cases = [
  {
    name: 'threading (2 workers)',
    make: () =>
      new ThreadingTLSServer(address, WhereLinesHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        minWorkers: 2,
        maxWorkers: 2,
      }),
  },
  {
    name: 'forking (pool of 2)',
    make: () =>
      new ForkingTLSServer(address, WhereLinesHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        minSpareChildren: 2,
        maxChildren: 2,
      }),
  },
] as const;

describe.each(cases)('ticket keys shared by runners, $name', ({ make }) => {
  it('a ticket issued by one runner resumes on another, also after a certificate reload', async () => {
    const server = await servers.start(make());
    const port = server.serverAddress.port;
    const { first, second } = await resumeElsewhere(port);
    expect(first.reused).toBe(false);
    expect(second.where).not.toBe(first.where);
    expect(second.reused).toBe(true);

    server.reloadCertificates({ key: certs.renewed.key, cert: certs.renewed.cert });
    const after = await resumeElsewhere(port, second.ticket);
    expect(after.first.reused).toBe(true);
    expect(after.second.where).not.toBe(after.first.where);
    expect(after.second.reused).toBe(true);
  });

  it('rotateTicketKeys() retires old tickets everywhere; the new keys are shared again', async () => {
    const server = await servers.start(make());
    const port = server.serverAddress.port;
    const { second } = await resumeElsewhere(port);
    expect(second.reused).toBe(true);

    server.rotateTicketKeys();
    const after = await resumeElsewhere(port, second.ticket);
    expect(after.first.reused).toBe(false);
    expect(after.second.where).not.toBe(after.first.where);
    expect(after.second.reused).toBe(true);
  });
});

describe('the ticketKeys option', () => {
  it('keys given to two servers resume each other’s tickets (a fleet behind one name)', async () => {
    const ticketKeys = Buffer.alloc(48, 7);
    const options = { key: certs.server.key, cert: certs.server.cert, ticketKeys };
    const one = await servers.start(new ThreadingTLSServer(address, WhereLinesHandler, options));
    const two = await servers.start(new TLSServer(address, WhereLinesHandler, options));
    const issued = await open(one.serverAddress.port);
    await issued.close();
    const resumed = await open(two.serverAddress.port, issued.ticket);
    await resumed.close();
    expect(resumed.reused).toBe(true);
  });

  it('keys that are not 48 bytes are an InvalidOptionError, from the constructor and from rotateTicketKeys()', async () => {
    const make = () =>
      new TLSServer(address, WhereLinesHandler, {
        key: certs.server.key,
        cert: certs.server.cert,
        ticketKeys: Buffer.alloc(32),
      });
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION' }));
    expect(make).toThrow(/option "ticketKeys" must be a Buffer of 48 bytes/);

    const server = await servers.start(
      new TLSServer(address, WhereLinesHandler, { key: certs.server.key, cert: certs.server.cert }),
    );
    const issued = await open(server.serverAddress.port);
    await issued.close();
    let error: unknown;
    try {
      server.rotateTicketKeys(Buffer.alloc(47));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_INVALID_OPTION' });
    // Nothing changed: the ticket issued before still resumes.
    const resumed = await open(server.serverAddress.port, issued.ticket);
    await resumed.close();
    expect(resumed.reused).toBe(true);
  });
});
