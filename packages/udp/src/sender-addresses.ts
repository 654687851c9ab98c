/**
 * The frozen `clientAddress` of each datagram's sender, reused while the sender stays the
 * same. Freezing a new `{ family, host, port }` for every datagram was the largest single
 * extra cost of a datagram against raw `dgram` (issue 11: ~340 instructions and 24 B a
 * datagram — `Object.freeze` always runs in the runtime, where it searches and makes a map
 * transition). Senders are few and busy (a client's socket sends many datagrams), so a small
 * direct-mapped cache keyed by the sender's port keeps the frozen address of the last sender
 * seen in each slot: a hit costs a slot read and three comparisons, a miss what it cost
 * before. Its memory is bounded (the slots, and one small object in each). The addresses are
 * frozen, so handing the same one to two requests is safe. No Python counterpart.
 */
import type { RemoteInfo } from 'node:dgram';
import type { InetAddress } from '@sockserve/core';

/** Slots of the cache (a power of two): ports map to `port & (SLOTS - 1)`. */
const SLOTS = 1024;

/** Frozen sender addresses, one per port slot; see the module comment. */
export class SenderAddresses {
  readonly #slots: (InetAddress | undefined)[] = new Array(SLOTS).fill(undefined);

  /** The frozen address of `sender`: the cached one when it is the same sender. */
  of(sender: RemoteInfo): InetAddress {
    const { address, port } = sender;
    const family = sender.family === 'IPv6' ? 'IPv6' : 'IPv4';
    const index = port & (SLOTS - 1);
    const cached = this.#slots[index];
    if (
      cached !== undefined &&
      cached.port === port &&
      cached.host === address &&
      cached.family === family
    ) {
      return cached;
    }
    const fresh: InetAddress = Object.freeze({ family, host: address, port });
    this.#slots[index] = fresh;
    return fresh;
  }
}
