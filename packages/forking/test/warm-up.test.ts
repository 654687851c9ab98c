/**
 * A forking child's warm-up (one loopback exchange before it reports ready, issue 19) leaves
 * nothing behind: no listening socket, no connection.
 */
import { describe, expect, it } from 'vitest';
import { WARM_UP_LIMIT, warmUp } from '../src/warm-up.ts';

const tcpHandles = () => process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP'));

describe('warmUp', () => {
  it('runs one loopback exchange and leaves no socket or server open', async () => {
    const before = tcpHandles();
    const started = performance.now();
    await warmUp();
    // It finished its exchange rather than waiting out its limit.
    expect(performance.now() - started).toBeLessThan(WARM_UP_LIMIT);
    // A closed handle leaves Node's list in the loop's close phase, after the 'close' events:
    // three turns of the loop, no timer involved.
    for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(tcpHandles()).toEqual(before);
  });
});
