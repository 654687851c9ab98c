/**
 * The shared teardown list: steps run last added first, each awaited before the next, and a
 * failing step neither stops the ones after it nor is lost.
 */
import { expect, it } from 'vitest';
import { Teardown } from '../src/index.js';

it('runs every step, last added first, awaiting each before the next', async () => {
  const teardown = new Teardown();
  const order: string[] = [];
  teardown.add(() => order.push('first added'));
  teardown.add(async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    order.push('second added (async)');
  });
  teardown.add(() => order.push('last added'));
  await teardown.run();
  expect(order).toEqual(['last added', 'second added (async)', 'first added']);
  // The list is empty after a run: a second run does nothing.
  await teardown.run();
  expect(order).toHaveLength(3);
});

it('a failing step does not stop the others; the first failure is rethrown after all ran', async () => {
  const teardown = new Teardown();
  const ran: number[] = [];
  const first = new Error('step 3 failed');
  teardown.add(() => ran.push(1));
  teardown.add(() => {
    throw new Error('step 2 failed');
  });
  teardown.add(async () => {
    ran.push(3);
    throw first;
  });
  await expect(teardown.run()).rejects.toBe(first);
  expect(ran).toEqual([3, 1]);
});
