/**
 * `RequestQueue.offerLate`: an item accepted before `stopAccepting()` and announced after it
 * (a connection a forking child accepted, `accepted-elsewhere.ts`) is still queued and taken —
 * until `close()`, which refuses it as any offer.
 */
import { describe, expect, it } from 'vitest';
import { RequestQueue } from '../src/kit/index.js';

describe('RequestQueue.offerLate', () => {
  it('queues after stopAccepting, past the capacity, and the item is taken', async () => {
    const queue = new RequestQueue<string>(1);
    expect(queue.offer('before')).toBe(true);
    queue.stopAccepting();
    expect(queue.offer('refused')).toBe(false);
    expect(queue.offerLate('late')).toBe(true);
    expect(queue.size).toBe(2);
    expect(await queue.take()).toBe('before');
    expect(await queue.take()).toBe('late');
    expect(await queue.take()).toBeUndefined();
  });

  it('is an ordinary offer while accepting: refused when full', () => {
    const queue = new RequestQueue<string>(1);
    expect(queue.offerLate('a')).toBe(true);
    expect(queue.offerLate('b')).toBe(false);
    expect(queue.size).toBe(1);
  });

  it('is refused once the queue closed; nothing else is lost', () => {
    const queue = new RequestQueue<string>(4);
    queue.stopAccepting();
    expect(queue.offerLate('kept')).toBe(true);
    expect(queue.close()).toEqual(['kept']);
    expect(queue.offerLate('after close')).toBe(false);
    expect(queue.size).toBe(0);
  });
});
