/**
 * `ThreadingMixIn`: Python's mixin, as thin sugar over `{ strategy: new ThreadingStrategy() }`.
 *
 * ```ts
 * class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}
 * const server = await ThreadingTCPServer.create(address, Handler, { maxWorkers: 4 });
 * ```
 *
 * The threading options go in the server's options bag; `daemonThreads` and `blockOnClose`
 * are also fields a subclass may override, as in Python.
 */
import type { CloseReport, ServerCloseOptions } from '@sockserve/core';
import {
  composeMixinOptions,
  type MixableServerClass,
  type MixinServerClass,
  splitServerArgs,
  type WithMixinOptions,
} from '@sockserve/core/kit';
import type { CrashStats } from '@sockserve/core/remote';
import { THREADING_OPTIONS, type ThreadingOptions } from './threading-options.js';
import { ThreadingStrategy } from './threading-strategy.js';

/** Any server class a mixin can extend: a constructor with its declared `options`. */
export type ServerClass = MixableServerClass;

/** The attributes' values when the server was given some other strategy. */
const THREADING_DEFAULTS = THREADING_OPTIONS.resolve({});

/** Python's `ThreadingMixIn` attributes. */
export interface ThreadingAttributes {
  /** Python's `daemon_threads`: `serverClose()` doesn't wait for running handlers. */
  daemonThreads: boolean;
  /** Python's `block_on_close`: `serverClose()` waits for running handlers. */
  blockOnClose: boolean;
  /** Crash-loop counters of its workers (`RemoteStrategy.crashStats`); zeros under another strategy. */
  readonly crashStats: Readonly<CrashStats>;
}

/** A server constructor's parameters with threading options added to its options bag. */
export type WithThreadingOptions<P> = WithMixinOptions<P, ThreadingOptions>;

/** The class `ThreadingMixIn(Base)` returns. */
export type ThreadingServerClass<TBase extends ServerClass> = MixinServerClass<
  TBase,
  ThreadingOptions,
  ThreadingAttributes
>;

/** Python's `socketserver.ThreadingMixIn`; see the module comment. */
export function ThreadingMixIn<TBase extends ServerClass>(
  Base: TBase,
): ThreadingServerClass<TBase> {
  const options = composeMixinOptions('ThreadingMixIn', Base.options, THREADING_OPTIONS);
  abstract class ThreadingServer extends Base implements ThreadingAttributes {
    /** What this server takes: its base class's options and the threading ones. */
    static override readonly options = options.combined;
    daemonThreads: boolean;
    blockOnClose: boolean;

    // biome-ignore lint/suspicious/noExplicitAny: mixin constructors take any arguments.
    constructor(...args: any[]) {
      const { address, handler, own: threading, rest } = splitServerArgs(args, options);
      const strategy =
        (rest.strategy as ThreadingStrategy | undefined) ?? new ThreadingStrategy(threading);
      super(address, handler, { ...rest, strategy });
      const own = strategy instanceof ThreadingStrategy ? strategy : THREADING_DEFAULTS;
      this.daemonThreads = own.daemonThreads;
      this.blockOnClose = own.blockOnClose;
    }

    get crashStats(): Readonly<CrashStats> {
      return this.strategy instanceof ThreadingStrategy
        ? this.strategy.crashStats
        : { crashes: 0, attributed: 0, clientBackoffs: 0, refused: 0, poolBackoffs: 0 };
    }

    override serverClose(options?: ServerCloseOptions): Promise<CloseReport> {
      if (this.strategy instanceof ThreadingStrategy) {
        this.strategy.daemonThreads = this.daemonThreads;
        this.strategy.blockOnClose = this.blockOnClose;
      }
      return super.serverClose(options);
    }
  }
  return ThreadingServer as unknown as ThreadingServerClass<TBase>;
}
