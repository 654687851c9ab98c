/**
 * `RequestQueue.takeNext()` and `DatagramIntake.admits()` / `accept()`: the serve loop's
 * fast path takes without a promise, and an offer reaches a waiting taker synchronously.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DatagramIntake, RequestQueue } from '../src/kit/index.js';

describe('RequestQueue.takeNext', () => {
  it('returns an item already waiting, without calling back', () => {
    const queue = new RequestQueue<number>(4);
    queue.offer(1);
    const got: Array<number | undefined> = [];
    expect(queue.takeNext((item) => got.push(item))).toBe(1);
    expect(got).toEqual([]);
    expect(queue.size).toBe(0);
  });

  it('calls back synchronously from the offer that brings the next item, once', () => {
    const queue = new RequestQueue<string>(0);
    const got: Array<string | undefined> = [];
    expect(queue.takeNext((item) => got.push(item))).toBeUndefined();
    expect(queue.hasRoom).toBe(true);
    expect(queue.offer('direct')).toBe(true);
    expect(got).toEqual(['direct']);
    // The taker was used up: capacity 0 and nobody waiting refuses the next offer.
    expect(queue.offer('lost')).toBe(false);
    expect(got).toEqual(['direct']);
  });

  it('calls back undefined at once when stopped and empty, and items left are still handed out', () => {
    const queue = new RequestQueue<number>(4);
    queue.offer(7);
    queue.stopAccepting();
    const got: Array<number | undefined> = [];
    expect(queue.takeNext((item) => got.push(item))).toBe(7);
    expect(queue.takeNext((item) => got.push(item))).toBeUndefined();
    expect(got).toEqual([undefined]);
  });

  it('a waiting taker gets undefined when its signal aborts or the queue stops; no item is lost', () => {
    const queue = new RequestQueue<number>(4);
    const abort = new AbortController();
    const got: Array<number | undefined> = [];
    queue.takeNext((item) => got.push(item), abort.signal);
    abort.abort();
    expect(got).toEqual([undefined]);
    expect(queue.offer(1)).toBe(true);
    expect(queue.size).toBe(1);
    expect(queue.takeNext((item) => got.push(item))).toBe(1);
    queue.takeNext((item) => got.push(item));
    queue.stopAccepting();
    expect(got).toEqual([undefined, undefined]);
  });
  it('a signal it waited with before, aborted since, calls back undefined at once; a new one is read afresh', () => {
    const queue = new RequestQueue<number>(4);
    const controller = new AbortController();
    const got: Array<number | undefined> = [];
    // Waited with once: the queue listens to it (and reads its abort from that listener).
    expect(queue.takeNext((item) => got.push(item), controller.signal)).toBeUndefined();
    controller.abort();
    expect(got).toEqual([undefined]);
    expect(queue.takeNext((item) => got.push(item), controller.signal)).toBeUndefined();
    expect(got).toEqual([undefined, undefined]);
    // Another signal, already aborted and never waited with: no wait either.
    expect(queue.takeNext((item) => got.push(item), AbortSignal.abort())).toBeUndefined();
    expect(got).toEqual([undefined, undefined, undefined]);
    // A fresh signal waits, and gets the next item; items are still handed out.
    const fresh = new AbortController();
    expect(queue.takeNext((item) => got.push(item), fresh.signal)).toBeUndefined();
    queue.offer(5);
    expect(got).toEqual([undefined, undefined, undefined, 5]);
    expect(queue.size).toBe(0);
  });
});

describe('DatagramIntake.admits / accept', () => {
  it('counts oversized and refused datagrams, and accepted ones before the taker sees them', () => {
    const intake = new DatagramIntake(1, 10);
    expect(intake.admits(11)).toBe(false);
    expect(intake.stats).toMatchObject({ oversized: 1, accepted: 0, refused: 0 });
    const seen: number[] = [];
    intake.takeNext(() => seen.push(intake.stats.accepted));
    expect(intake.admits(10)).toBe(true);
    intake.accept({
      request: { data: Buffer.alloc(10) } as never,
      clientAddress: { family: 'unix', path: '' },
    });
    expect(seen).toEqual([1]);
    // Nobody waits now: one fits in the queue, the next is refused.
    expect(intake.admits(1)).toBe(true);
    intake.accept({
      request: { data: Buffer.alloc(1) } as never,
      clientAddress: { family: 'unix', path: '' },
    });
    expect(intake.admits(1)).toBe(false);
    expect(intake.stats).toMatchObject({ oversized: 1, accepted: 2, refused: 1, dropped: 0 });
    intake.close();
    expect(intake.stats.dropped).toBe(1);
  });
});

describe('RequestQueue abort listeners', () => {
  it('listens once per signal however often it is waited with, and an abort ends only its own takers', () => {
    const queue = new RequestQueue<number>(4);
    const one = new AbortController();
    const two = new AbortController();
    const got: Array<[string, number | undefined]> = [];
    // The serve loop's pattern: the same signal for every wait, with another one in between.
    for (let i = 0; i < 3; i++) {
      queue.takeNext((item) => got.push(['one', item]), one.signal);
      queue.offer(i);
    }
    queue.takeNext((item) => got.push(['two', item]), two.signal);
    queue.offer(10);
    queue.takeNext((item) => got.push(['one', item]), one.signal);
    queue.takeNext((item) => got.push(['two', item]), two.signal);
    expect(EventEmitter.getEventListeners(one.signal, 'abort')).toHaveLength(1);
    expect(EventEmitter.getEventListeners(two.signal, 'abort')).toHaveLength(1);
    two.abort();
    expect(got.slice(4)).toEqual([['two', undefined]]);
    queue.offer(11);
    expect(got).toEqual([
      ['one', 0],
      ['one', 1],
      ['one', 2],
      ['two', 10],
      ['two', undefined],
      ['one', 11],
    ]);
  });
});
