/**
 * A certificate reload builds a new TLS engine (tls-terminator.ts `update`), but keeps the
 * session-ticket keys, as `tls.Server#setSecureContext` does: a client that resumes with a
 * ticket issued before the reload still resumes after it, instead of every returning client
 * paying a full handshake at each reload.
 */
import { once } from 'node:events';
import { AsyncStrategy } from '@sockserve/core';
import { useCerts } from '@sockserve/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TLSServer } from '../src/index.js';
import { TLSReportHandler } from './fixtures/handlers.js';
import { ticketClient } from './helpers/clients.js';
import { useServers } from './helpers/serve.js';

const certs = useCerts({ beforeAll, afterAll });
const servers = useServers();

/** One exchange; resolves with whether the session was resumed and the ticket it got. */
async function exchange(
  port: number,
  session: Buffer | undefined,
): Promise<{ reused: boolean; ticket: Buffer | undefined }> {
  const { socket, reused, ticket } = await ticketClient(port, certs.ca.cert, session);
  socket.end('hello\n');
  socket.resume();
  await once(socket, 'close');
  return { reused, ticket: ticket() };
}

it('a ticket issued before a certificate reload still resumes after it', async () => {
  const server = await servers.start(
    new TLSServer({ host: '127.0.0.1', port: 0 }, TLSReportHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: new AsyncStrategy(),
    }),
  );
  const port = server.serverAddress.port;
  const first = await exchange(port, undefined);
  expect(first.reused).toBe(false);
  expect(first.ticket).toBeInstanceOf(Buffer);
  // Resumes before the reload (the control: resumption works here at all).
  const before = await exchange(port, first.ticket);
  expect(before.reused).toBe(true);
  server.reloadCertificates({ key: certs.server.key, cert: certs.server.cert });
  const after = await exchange(port, before.ticket ?? first.ticket);
  expect(after.reused).toBe(true);
});
