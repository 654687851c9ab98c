/**
 * The handler of `bench/forking-handover.ts`: an upper-case echo of one line that answers with
 * the child's side of the hand-over on CLOCK_MONOTONIC (ns, as decimal strings): when the
 * module was evaluated (the handler's load), when the socket's message was received (from
 * `handover-preload.mjs`), when this handler was constructed, when `handle()` began and when
 * its reply had been written. One JSON line.
 */
import { StreamRequestHandler } from '@sockserve/stream';

const loaded = process.hrtime.bigint();
const now = () => process.hrtime.bigint().toString();

/** One line in, one JSON line of timestamps out. */
export class HandoverTraceHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;
  readonly #constructed = now();

  override async handle(): Promise<void> {
    const began = now();
    const line = await this.rfile.readline();
    const trace = (
      globalThis as {
        __handover?: {
          preload: bigint;
          start?: bigint;
          received: bigint[];
          accepted?: bigint;
          acceptReturned?: bigint;
        };
      }
    ).__handover;
    const read = now();
    const reply = {
      echo: line.toString().trim().toUpperCase(),
      pid: process.pid,
      preload: trace?.preload.toString(),
      start: trace?.start?.toString(),
      loaded: loaded.toString(),
      received: trace?.received.at(-1)?.toString(),
      accepted: trace?.accepted?.toString(),
      acceptReturned: trace?.acceptReturned?.toString(),
      constructed: this.#constructed,
      began,
      read,
      replying: now(),
    };
    await this.wfile.write(`${JSON.stringify(reply)}\n`);
  }
}
