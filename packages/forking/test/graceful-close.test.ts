/**
 * A SIGTERM-like close of a forking server with many requests in flight: every request
 * already accepted — running in a child or still queued — is answered within the timeout,
 * and the report adds up (it used to answer 4, reset 196, and report `{ finished: 4, cut: 0 }`).
 */
import { EchoLineHandler, LineClient } from '@sockserve/conformance';
import { describe, expect, it, vi } from 'vitest';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

describe('graceful close under forking', () => {
  it('200 requests in flight with 4 children: all answered, and the report adds up', async () => {
    const { server } = await serve(EchoLineHandler, { maxChildren: 4, requestQueueSize: 256 });
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => LineClient.connect(server.serverAddress)),
    );
    for (const [i, client] of clients.entries()) client.write(`req ${i}\n`);
    await vi.waitFor(() => expect(server.stats.accepted).toBe(200), { timeout: 10_000 });
    const report = await server.serverClose({ timeout: 20_000 });
    const replies = await Promise.all(clients.map((client) => client.line()));
    expect(replies).toEqual(clients.map((_, i) => `req ${i}\n`));
    expect(report).toEqual({
      accepted: 200,
      finished: 200,
      failed: 0,
      cut: 0,
      refused: 0,
      dropped: 0,
      detached: 0,
    });
    for (const client of clients) client.close();
  });
});
