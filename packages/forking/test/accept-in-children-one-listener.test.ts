/**
 * `acceptIn: 'children'`: one spare at a time listens on the shared socket (has the turn), so a
 * connection wakes one process, not every spare (the herd: `bench/forking-accept-floor.ts`).
 * Seen from the kernel (Linux `/proc`): a process polls the listening socket when one of its
 * epoll sets (`/proc/PID/fdinfo/N`, `tfd:` lines) holds a descriptor of that socket. Every
 * spare holds a descriptor (its copy of the handle); only the turn's holder polls it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exchange } from '@sockserve/conformance';
import { ForkingStrategy } from '@sockserve/forking';
import { describe, expect, it } from 'vitest';
import { BusyHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const pidOf = (reply: Buffer | string) => Number(reply.toString().trim().split(' ').at(-1));

/** The strategy, with how many of its children are ready (the pool's count). */
class ReadyCounting extends ForkingStrategy {
  get readyChildren(): number {
    return this.runnerPool?.ready ?? 0;
  }
}

/** `pid`'s descriptors that are the socket `link` (`socket:[inode]`), and those its epoll sets poll. */
function descriptors(pid: number, link: string): { held: number[]; polled: number[] } {
  const held: number[] = [];
  const polled = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (target === link) held.push(Number(fd));
    if (target === 'anon_inode:[eventpoll]') {
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      for (const match of info.matchAll(/^tfd:\s+(\d+)/gm)) polled.add(Number(match[1]));
    }
  }
  return { held, polled: held.filter((fd) => polled.has(fd)) };
}

describe("acceptIn: 'children': one spare listens at a time", () => {
  it('two ready spares hold the socket, one polls it; after its connection the other does', async () => {
    const strategy = new ReadyCounting({
      mode: 'per-request',
      acceptIn: 'children',
      minSpareChildren: 2,
    });
    const { server } = await serve(BusyHandler, { strategy });
    const fd = ((server.socket as Server & { _handle: { fd: number } })._handle as { fd: number })
      .fd;
    const link = readlinkSync(`/proc/self/fd/${fd}`);
    const pollers = () =>
      server.activeChildren.filter((pid) => {
        try {
          return descriptors(pid, link).polled.length > 0;
        } catch {
          return false; // exited meanwhile
        }
      });
    // Sampled while the two spares start and for 200 ms after both are ready: a spare that
    // listened on its own would poll within that time of its readiness.
    const seen: number[][] = [];
    for (let after = 0; after < 20; ) {
      if (strategy.readyChildren >= 2) after += 1;
      seen.push(pollers());
      await sleep(10);
    }
    expect(Math.max(...seen.map((p) => p.length))).toBe(1);
    const [holder] = seen.at(-1) ?? [];
    const holders = server.activeChildren.map((pid) => descriptors(pid, link).held.length > 0);
    expect(holders).toEqual([true, true]);
    // The holder takes the connection; the turn passes to the other spare.
    expect(pidOf(await exchange(server.serverAddress, 'hi\n'))).toBe(holder);
    await server.collectChildren({ blocking: true });
    const other = server.activeChildren.filter((pid) => pid !== holder);
    for (let tries = 0; pollers().length === 0 && tries < 500; tries += 1) await sleep(10);
    expect(pollers()).toHaveLength(1);
    expect(other).toContain(pollers()[0]);
  });
});
