/**
 * `ForkingMixIn`: Python's mixin, as thin sugar over `{ strategy: new ForkingStrategy() }`.
 *
 * ```ts
 * class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
 * const server = await ForkingTCPServer.create(address, Handler, { mode: 'per-request' });
 * ```
 *
 * The forking options go in the server's options bag — `mode` under the name `forkingMode`,
 * since the Unix servers' `mode` is their socket file's permissions. `maxChildren` and
 * `blockOnClose` are also fields a subclass may override, as in Python
 * (`override maxChildren = 10`). As in Python, `timeout` (for `handleRequest()`) defaults to
 * 300 s (300000 ms) on these servers.
 */
import { type CloseReport, InvalidOptionError, type ServerCloseOptions } from '@sockserve/core';
import {
  composeMixinOptions,
  type MixableServerClass,
  type MixinServerClass,
  splitServerArgs,
} from '@sockserve/core/kit';
import type { CrashStats } from '@sockserve/core/remote';
import type { ChildExit } from './child-runner.js';
import { FORKING_OPTIONS, type ForkingMode, type ForkingOptions } from './forking-options.js';
import { type CollectChildrenOptions, ForkingStrategy } from './forking-strategy.js';

/**
 * The forking options as a `ForkingMixIn` server takes them (Python's mixin attributes, such
 * as `max_children`, as options): `mode` is `forkingMode` there.
 */
export type ForkingServerOptions = Omit<ForkingOptions, 'mode'> & {
  /** `'pool'` (default) or `'per-request'`: `ForkingOptions.mode`. */
  readonly forkingMode?: ForkingMode;
};

/** How a `ForkingMixIn` server names the forking options it takes (the rest keep their names). */
const RENAMES = { mode: 'forkingMode' } as const;

/** The attributes' values when the server was given some other strategy. */
const FORKING_DEFAULTS = FORKING_OPTIONS.resolve({});

/** Python's `ForkingMixIn` timeout (300 s), in ms. */
const PYTHON_FORKING_TIMEOUT = 300_000;

/** Python's `ForkingMixIn` attributes. */
export interface ForkingAttributes {
  /** Python's `max_children`: children at once, at most. */
  maxChildren: number;
  /** Python's `block_on_close`: `serverClose()` waits for running children. */
  blockOnClose: boolean;
  /** Python's `active_children`: pids of the children alive now. */
  readonly activeChildren: number[];
  /** Python's `collect_children()`: see `ForkingStrategy.collectChildren`. */
  collectChildren(options?: CollectChildrenOptions): Promise<ChildExit[]>;
  /** Crash-loop counters of its children (`RemoteStrategy.crashStats`); zeros under another strategy. */
  readonly crashStats: Readonly<CrashStats>;
}

/** Where a server under another strategy reads its (zero) crash counters. */
const NO_CRASHES = {
  crashStats: { crashes: 0, attributed: 0, clientBackoffs: 0, refused: 0, poolBackoffs: 0 },
};

/** The class `ForkingMixIn(Base)` returns: Python's `class ForkingTCPServer(ForkingMixIn, TCPServer)`. */
export type ForkingServerClass<TBase extends MixableServerClass> = MixinServerClass<
  TBase,
  ForkingServerOptions,
  ForkingAttributes
>;

/** Python's `socketserver.ForkingMixIn`; see the module comment. */
export function ForkingMixIn<TBase extends MixableServerClass>(
  Base: TBase,
): ForkingServerClass<TBase> {
  const options = composeMixinOptions('ForkingMixIn', Base.options, FORKING_OPTIONS, RENAMES);
  abstract class ForkingServer extends Base implements ForkingAttributes {
    /** What this server takes: its base class's options and the forking ones. */
    static override readonly options = options.combined;
    maxChildren: number;
    blockOnClose: boolean;

    // biome-ignore lint/suspicious/noExplicitAny: mixin constructors take any arguments.
    constructor(...args: any[]) {
      const mode = (args[2] as { mode?: unknown } | undefined)?.mode;
      if (mode === 'pool' || mode === 'per-request') {
        throw new InvalidOptionError(
          'mode',
          'a Unix socket file mode (with ForkingMixIn the forking mode is the "forkingMode" option)',
          mode,
        );
      }
      const { address, handler, own: forking, rest } = splitServerArgs(args, options);
      const strategy =
        (rest.strategy as ForkingStrategy | undefined) ?? new ForkingStrategy(forking);
      const timeout = rest.timeout === undefined ? PYTHON_FORKING_TIMEOUT : rest.timeout;
      super(address, handler, { ...rest, strategy, timeout });
      const own = strategy instanceof ForkingStrategy ? strategy : FORKING_DEFAULTS;
      this.maxChildren = own.maxChildren;
      this.blockOnClose = own.blockOnClose;
    }

    get crashStats(): Readonly<CrashStats> {
      return (this.#forking() ?? NO_CRASHES).crashStats;
    }

    get activeChildren(): number[] {
      return this.#forking()?.activeChildren ?? [];
    }

    collectChildren(options?: CollectChildrenOptions): Promise<ChildExit[]> {
      return this.#forking()?.collectChildren(options) ?? Promise.resolve([]);
    }

    override serverActivate(): Promise<void> {
      // Subclass fields (Python's class attributes) are set by now; children start here.
      this.#sync();
      return super.serverActivate();
    }

    override serverClose(options?: ServerCloseOptions): Promise<CloseReport> {
      this.#sync();
      return super.serverClose(options);
    }

    #forking(): ForkingStrategy | undefined {
      return this.strategy instanceof ForkingStrategy ? this.strategy : undefined;
    }

    #sync(): void {
      const strategy = this.#forking();
      if (strategy === undefined) return;
      strategy.maxChildren = this.maxChildren;
      strategy.blockOnClose = this.blockOnClose;
    }
  }
  return ForkingServer as unknown as ForkingServerClass<TBase>;
}
