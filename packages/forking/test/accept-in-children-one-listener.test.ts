/**
 * `acceptIn: 'children'`: one spare listens at a time (has the turn), so a connection wakes one
 * process, not every spare (the herd: `bench/forking-accept-floor.ts`). Shown by order, not by
 * sampling: with two spares ready before the first connection, the spare that serves the
 * second connection began to listen only after the first one's accept — a spare that listened
 * as soon as it was ready would have begun before both were ready. Each child says when it
 * last began to listen and accepted (`fixtures/listen-trace-handler.ts`, one monotonic clock).
 */
import { exchange } from '@sockserve/conformance';
import { ForkingStrategy } from '@sockserve/forking';
import { describe, expect, it, vi } from 'vitest';
import { ListenTraceHandler } from './fixtures/listen-trace-handler.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

/** The strategy, with how many of its children are ready (the pool's count). */
class ReadyCounting extends ForkingStrategy {
  get readyChildren(): number {
    return this.runnerPool?.ready ?? 0;
  }
}

/** One exchange: which child served it, when it began listening and when it accepted. */
async function traced(address: Parameters<typeof exchange>[0]) {
  const [pid, listened, accepted] = (await exchange(address, 'hi\n'))
    .toString()
    .trim()
    .split(' ')
    .map(BigInt) as [bigint, bigint, bigint];
  return { pid: Number(pid), listened, accepted };
}

describe("acceptIn: 'children': one spare listens at a time", () => {
  it('of two ready spares, the second listens only once the first accepted', async () => {
    const strategy = new ReadyCounting({
      mode: 'per-request',
      acceptIn: 'children',
      minSpareChildren: 2,
    });
    const { server } = await serve(ListenTraceHandler, { strategy });
    await vi.waitFor(() => expect(strategy.readyChildren).toBe(2), { timeout: 20_000 });
    const bothReady = process.hrtime.bigint();
    const [one, two] = server.activeChildren;
    const first = await traced(server.serverAddress);
    // The turn's holder listened before (it may have been given the turn while starting).
    expect(first.listened).toBeLessThan(first.accepted);
    const second = await traced(server.serverAddress);
    // Both served by the two spares that were ready, one each.
    expect([first.pid, second.pid].sort()).toEqual([one, two].sort());
    // The other spare was ready all along but began to listen only after the first accept.
    expect(second.listened).toBeGreaterThan(first.accepted);
    expect(first.accepted).toBeGreaterThan(bothReady);
  });
});
