/**
 * `DatagramRequest.reply()` on a Unix datagram server keeps the contract: it resolves once
 * sent and rejects with the system error when sending fails (the sender's socket is gone),
 * and the server goes on serving; `replyThen()` reports the same by callback.
 */
import { unlinkSync } from 'node:fs';
import { BaseRequestHandler, UnanswerableError, type UnixAddress } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type UnixDatagramRequest, UnixDatagramServer, UnixDgramSocket } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const path = tempSocketPaths();
const open: Array<UnixDatagramServer | UnixDgramSocket> = [];
afterEach(async () => {
  for (const item of open.splice(0)) {
    if (item instanceof UnixDatagramServer) await item.serverClose();
    else item.close();
  }
});

/** What each reply() did, in arrival order. */
const outcomes: Array<{ asked: string; error?: unknown }> = [];
/** Each handler waits for this before replying (the test closes a client meanwhile). */
let replyWhen: Promise<void> = Promise.resolve();
/** Resolved when a handler has a datagram in hand. */
let received = Promise.withResolvers<void>();

/** Replies with the datagram upper-cased, once `replyWhen` resolved; records the outcome. */
class ReplyHandler extends BaseRequestHandler<UnixDatagramRequest> {
  override async handle(): Promise<void> {
    const asked = this.request.data.toString();
    received.resolve();
    await replyWhen;
    try {
      await this.request.reply(Buffer.from(asked.toUpperCase()));
      outcomes.push({ asked });
    } catch (error) {
      outcomes.push({ asked, error });
    }
  }
}

/** A client socket bound at its own path; `next()` is its next datagram. */
function client(at: string) {
  const inbox: string[] = [];
  let wake: (() => void) | undefined;
  const socket = new UnixDgramSocket(
    (data) => {
      inbox.push(data.toString());
      wake?.();
    },
    () => {},
  );
  open.push(socket);
  socket.bind(at);
  return {
    socket,
    async next(): Promise<string> {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return inbox.shift() as string;
    },
  };
}

describe('UnixDatagramRequest.reply', () => {
  it('rejects with the system error when the sender is gone; the server goes on', async () => {
    outcomes.length = 0;
    received = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    replyWhen = gate.promise;
    const server = new UnixDatagramServer(path(), ReplyHandler);
    open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    const serverPath = (server.serverAddress as UnixAddress).path;

    // The first sender closes its socket and removes its file before the reply goes out.
    const goneAt = path();
    const gone = client(goneAt);
    await gone.socket.sendTo(Buffer.from('gone'), serverPath);
    await received.promise;
    gone.socket.close();
    unlinkSync(goneAt);
    gate.resolve();

    replyWhen = Promise.resolve();
    const next = client(path());
    await next.socket.sendTo(Buffer.from('next'), serverPath);
    expect(await next.next()).toBe('NEXT');

    expect(outcomes.map((o) => o.asked)).toEqual(['gone', 'next']);
    expect(outcomes[0]?.error).toBeInstanceOf(Error);
    expect(outcomes[0]?.error).toMatchObject({ code: 'ENOENT' });
    expect(outcomes[1]?.error).toBeUndefined();
  });

  it('replyThen() calls back instead: null once sent, the system error, UnanswerableError', async () => {
    const outcome = new Map<string, PromiseWithResolvers<unknown>>();
    const outcomeOf = (asked: string) => {
      if (!outcome.has(asked)) outcome.set(asked, Promise.withResolvers<unknown>());
      return outcome.get(asked) as PromiseWithResolvers<unknown>;
    };
    let gate = Promise.withResolvers<void>();
    class ReplyThenHandler extends BaseRequestHandler<UnixDatagramRequest> {
      override async handle(): Promise<void> {
        const asked = this.request.data.toString();
        received.resolve();
        await gate.promise;
        this.request.replyThen(Buffer.from(asked.toUpperCase()), outcomeOf(asked).resolve);
      }
    }
    received = Promise.withResolvers<void>();
    const server = new UnixDatagramServer(path(), ReplyThenHandler);
    open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    const serverPath = (server.serverAddress as UnixAddress).path;

    const goneAt = path();
    const gone = client(goneAt);
    await gone.socket.sendTo(Buffer.from('gone'), serverPath);
    await received.promise;
    gone.socket.close();
    unlinkSync(goneAt);
    gate.resolve();
    expect(await outcomeOf('gone').promise).toMatchObject({ code: 'ENOENT' });

    gate = Promise.withResolvers<void>();
    gate.resolve();
    const bound = client(path());
    await bound.socket.sendTo(Buffer.from('bound'), serverPath);
    expect(await bound.next()).toBe('BOUND');
    expect(await outcomeOf('bound').promise).toBeNull();

    const unbound = new UnixDgramSocket(
      () => {},
      () => {},
    );
    open.push(unbound);
    await unbound.sendTo(Buffer.from('unbound'), serverPath);
    expect(await outcomeOf('unbound').promise).toBeInstanceOf(UnanswerableError);
  });
});
