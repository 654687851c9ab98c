import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../src/kit/index.js';

/** True when `promise` is still pending once the microtasks already queued have run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  // Two turns of the microtask queue: enough for an already-resolved promise to be seen.
  await Promise.resolve();
  await Promise.resolve();
  return !settled;
}

describe('RequestQueue', () => {
  it('hands items out in FIFO order and counts them', async () => {
    const queue = new RequestQueue<number>(10);
    expect(queue.size).toBe(0);
    expect(queue.capacity).toBe(10);
    for (const n of [1, 2, 3]) expect(queue.offer(n)).toBe(true);
    expect(queue.size).toBe(3);
    expect(await queue.take()).toBe(1);
    expect(await queue.take()).toBe(2);
    expect(queue.size).toBe(1);
    expect(await queue.take()).toBe(3);
    expect(queue.size).toBe(0);
  });

  it('refuses offers beyond its capacity, and accepts again once one was taken', async () => {
    const queue = new RequestQueue<string>(2);
    expect(queue.offer('a')).toBe(true);
    expect(queue.offer('b')).toBe(true);
    expect(queue.offer('c')).toBe(false);
    expect(queue.size).toBe(2);
    expect(await queue.take()).toBe('a');
    expect(queue.offer('d')).toBe(true);
    expect(queue.offer('e')).toBe(false);
    expect(await queue.take()).toBe('b');
    expect(await queue.take()).toBe('d');
  });

  it('gives an offer straight to a waiting taker, even at capacity 0', async () => {
    const queue = new RequestQueue<string>(0);
    expect(queue.offer('lost')).toBe(false);
    const taken = queue.take();
    expect(queue.offer('direct')).toBe(true);
    expect(await taken).toBe('direct');
    expect(queue.size).toBe(0);
  });

  it('take() waits for the next offer', async () => {
    const queue = new RequestQueue<string>(4);
    const taken = queue.take();
    expect(await isPending(taken)).toBe(true);
    expect(queue.offer('x')).toBe(true);
    expect(await taken).toBe('x');
    expect(queue.size).toBe(0);
  });

  it('serves several waiting takers in the order they came', async () => {
    const queue = new RequestQueue<string>(4);
    const first = queue.take();
    const second = queue.take();
    const third = queue.take();
    queue.offer('a');
    queue.offer('b');
    queue.offer('c');
    expect(await Promise.all([first, second, third])).toEqual(['a', 'b', 'c']);
  });

  it('an aborted take() resolves undefined and the next offer goes to the next live taker', async () => {
    const queue = new RequestQueue<string>(4);
    const abort = new AbortController();
    const abandoned = queue.take(abort.signal);
    const live = queue.take();
    abort.abort();
    expect(await abandoned).toBeUndefined();
    expect(queue.offer('a')).toBe(true);
    expect(await live).toBe('a');
    expect(queue.size).toBe(0);
  });

  it('an aborted take() with no other taker leaves the next offer in the queue', async () => {
    const queue = new RequestQueue<string>(4);
    const abort = new AbortController();
    const abandoned = queue.take(abort.signal);
    abort.abort();
    expect(await abandoned).toBeUndefined();
    expect(queue.offer('kept')).toBe(true);
    expect(queue.size).toBe(1);
    expect(await queue.take()).toBe('kept');
  });

  it('a take() with an already aborted signal on an empty queue registers no taker', async () => {
    const queue = new RequestQueue<string>(4);
    expect(await queue.take(AbortSignal.abort())).toBeUndefined();
    expect(queue.offer('kept')).toBe(true);
    expect(queue.size).toBe(1);
  });

  it('aborting after a take() resolved changes nothing', async () => {
    const queue = new RequestQueue<string>(4);
    const abort = new AbortController();
    const taken = queue.take(abort.signal);
    queue.offer('a');
    expect(await taken).toBe('a');
    abort.abort();
    expect(queue.offer('b')).toBe(true);
    expect(await queue.take()).toBe('b');
  });

  it('close() returns the waiting items in order and refuses further offers', async () => {
    const queue = new RequestQueue<string>(4);
    queue.offer('a');
    queue.offer('b');
    queue.offer('c');
    expect(await queue.take()).toBe('a');
    expect(queue.closed).toBe(false);
    expect(queue.close()).toEqual(['b', 'c']);
    expect(queue.closed).toBe(true);
    expect(queue.size).toBe(0);
    expect(queue.offer('d')).toBe(false);
    expect(await queue.take()).toBeUndefined();
    expect(queue.close()).toEqual([]);
  });

  it('close() wakes every waiting taker with undefined', async () => {
    const queue = new RequestQueue<string>(4);
    const abort = new AbortController();
    const first = queue.take();
    const second = queue.take(abort.signal);
    expect(queue.close()).toEqual([]);
    expect(await Promise.all([first, second])).toEqual([undefined, undefined]);
    abort.abort();
    expect(queue.offer('late')).toBe(false);
  });

  it('keeps FIFO order across index compaction with thousands of items', async () => {
    const queue = new RequestQueue<number>(100_000);
    let nextIn = 0;
    let nextOut = 0;
    const offer = (count: number) => {
      for (let i = 0; i < count; i += 1) {
        expect(queue.offer(nextIn)).toBe(true);
        nextIn += 1;
      }
    };
    const take = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        expect(await queue.take()).toBe(nextOut);
        nextOut += 1;
      }
    };
    // Head passes 1024 with more than half taken: the compaction path.
    offer(3000);
    await take(2000);
    expect(queue.size).toBe(1000);
    offer(1500);
    await take(1200);
    expect(queue.size).toBe(1300);
    // Many small rounds that cross the compaction threshold again and again.
    for (let round = 0; round < 3000; round += 1) {
      offer(2);
      await take(1);
    }
    expect(queue.size).toBe(nextIn - nextOut);
    const rest = queue.close();
    expect(rest).toHaveLength(nextIn - nextOut);
    expect(rest).toEqual(Array.from({ length: nextIn - nextOut }, (_, i) => nextOut + i));
  });

  it('drains completely after compaction and starts over empty', async () => {
    const queue = new RequestQueue<number>(5000);
    for (let i = 0; i < 4000; i += 1) queue.offer(i);
    for (let i = 0; i < 4000; i += 1) expect(await queue.take()).toBe(i);
    expect(queue.size).toBe(0);
    const taken = queue.take();
    expect(await isPending(taken)).toBe(true);
    queue.offer(-1);
    expect(await taken).toBe(-1);
    for (let i = 0; i < 5000; i += 1) expect(queue.offer(i)).toBe(true);
    expect(queue.offer(5000)).toBe(false);
  });
});
