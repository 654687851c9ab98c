/**
 * The `lookup` a UDP server's socket resolves send addresses with. `dgram` resolves the
 * address of every `send()`, even an IP literal: its default lookup answers a literal of the
 * socket's family from a `process.nextTick`, so each reply cost a tick (~200 B and a queue
 * round) before the datagram left. A reply always goes to a sender's literal address, so once
 * the socket is bound this lookup answers such a literal at once and the send happens in the
 * caller's turn. Anything else — the bind itself, a name, a literal of the other family —
 * is resolved exactly as Node's default does (a literal of the family a tick later, else
 * `dns.lookup`). No Python counterpart (`sendto` takes a resolved address).
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/** `dgram`'s lookup callback: `(error, address, family)`. */
type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string,
  family: number,
) => void;

/** A `lookup` for `dgram.createSocket()`; see the module comment. */
export class ReplyLookup {
  #bound = false;
  /** The last address answered at once, and its family: replies mostly go to few peers. */
  #lastAddress = '';
  #lastFamily = 0;

  /**
   * Passed as `createSocket({ lookup })`. dgram calls it as `(address, family, callback)`
   * (a number; the types allow dns options too).
   */
  readonly lookup = (
    address: string,
    options: number | LookupOneOptions,
    callback: LookupCallback,
  ): void => {
    const family = typeof options === 'number' ? options : options.family;
    if (address === this.#lastAddress && family === this.#lastFamily) {
      callback(null, address, family);
      return;
    }
    if (isIP(address) === family) {
      if (this.#bound) {
        this.#lastAddress = address;
        this.#lastFamily = family;
        callback(null, address, family);
      } else {
        process.nextTick(callback, null, address, family);
      }
      return;
    }
    dnsLookup(address, options as LookupOneOptions, callback);
  };

  /** The socket is bound: literals of its family are answered at once from now on. */
  markBound(): void {
    this.#bound = true;
  }
}
