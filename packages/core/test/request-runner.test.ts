/**
 * The runner side of the remote pool, in this thread: RequestRunner fed messages as a worker
 * or child would be, posting its answers to an array. Datagrams, relayed streams, and the
 * per-request drain and cut messages.
 */
import { describe, expect, it, vi } from 'vitest';
import { type FromRunner, RequestRunner } from '../src/remote/index.js';
import { runnerInit } from './fixtures/runner-init.js';

const MODULE = new URL('./fixtures/runner-handlers.ts', import.meta.url).href;
const CLIENT = { family: 'unix', path: '/client' } as const;

async function runner(exportName: string, transportKind: 'stream' | 'datagram' = 'datagram') {
  const posted: FromRunner[] = [];
  const init = runnerInit(
    { module: MODULE, export: exportName },
    { server: { serverAddress: { family: 'unix', path: '/server' }, transportKind } },
  );
  const r = new RequestRunner(init, (message) => posted.push(message), 'test runner');
  expect(await r.load()).toBe(true);
  return { runner: r, posted };
}

function datagram(id: number, text: string) {
  return {
    t: 'datagram',
    id,
    data: Buffer.from(text),
    clientAddress: CLIENT,
    canReply: true,
  } as const;
}

describe('RequestRunner', () => {
  it('runs a datagram: the reply goes to the server, then done once the server sent it', async () => {
    const { runner: r, posted } = await runner('UpperDatagram');
    expect(posted).toEqual([{ t: 'ready' }]);
    r.receive(datagram(7, 'ping'));
    await vi.waitFor(() => expect(posted.at(-1)).toMatchObject({ t: 'reply', id: 7 }), {
      timeout: 10_000,
    });
    expect(Buffer.from((posted.at(-1) as { data: Uint8Array }).data).toString()).toBe('PING');
    r.receive({ t: 'replied', id: 7, error: undefined });
    await vi.waitFor(() => expect(posted.at(-1)).toEqual({ t: 'done', id: 7, error: undefined }), {
      timeout: 10_000,
    });
  });

  it('cut ends one request with a RequestCutError; the others run on', async () => {
    const { runner: r, posted } = await runner('WaitForStop');
    r.receive(datagram(1, 'wait'));
    r.receive(datagram(2, 'wait'));
    expect(r.running()).toEqual([1, 2]);
    r.receive({ t: 'cut', id: 1 });
    await vi.waitFor(() => expect(posted.at(-1)).toMatchObject({ t: 'done', id: 1 }), {
      timeout: 10_000,
    });
    expect(posted.at(-1)).toMatchObject({ error: { code: 'ERR_SOCKSERVE_REQUEST_CUT' } });
    expect(r.running()).toEqual([2]);
    r.receive({ t: 'cut', id: 2 });
    await vi.waitFor(() => expect(r.running()).toEqual([]), { timeout: 10_000 });
  });

  it('drain with an id drains only that request; it then finishes without an error', async () => {
    const { runner: r, posted } = await runner('WaitForStop');
    r.receive(datagram(1, 'drain'));
    r.receive(datagram(2, 'drain'));
    r.receive({ t: 'drain', id: 2 });
    await vi.waitFor(() => expect(posted.at(-1)).toEqual({ t: 'done', id: 2, error: undefined }), {
      timeout: 10_000,
    });
    expect(r.running()).toEqual([1]);
    r.receive({ t: 'drain', id: 1 });
    await vi.waitFor(() => expect(posted.at(-1)).toEqual({ t: 'done', id: 1, error: undefined }), {
      timeout: 10_000,
    });
  });

  it('relays a stream: data in, writes out (acknowledged), eof ends the handler; done follows', async () => {
    const { runner: r, posted } = await runner('UpperStream', 'stream');
    r.receive({ t: 'stream', id: 3, clientAddress: CLIENT });
    r.receive({ t: 'data', id: 3, chunk: Buffer.from('abc') });
    await vi.waitFor(() => expect(posted.some((m) => m.t === 'write')).toBe(true), {
      timeout: 10_000,
    });
    const write = posted.find((m) => m.t === 'write') as { chunks: Uint8Array[] };
    expect(Buffer.concat(write.chunks).toString()).toBe('ABC');
    r.receive({ t: 'written', id: 3, bytes: 3 });
    r.receive({ t: 'eof', id: 3 });
    await vi.waitFor(() => expect(posted.at(-1)).toEqual({ t: 'done', id: 3, error: undefined }), {
      timeout: 10_000,
    });
  });
});
