/**
 * The messages between a server and a runner that executes its handlers elsewhere (a worker
 * thread, a child process). Shared by `@sockserve/threading` and `@sockserve/forking`, so that
 * both move requests the same way: a stream socket itself where the platform can move it, its
 * bytes otherwise (relay), a datagram as a message.
 */
import type { SocketAddress } from '../address.js';
import type { ConnectionUpgradeRef } from '../connection-upgrade.js';
import type { HandlerLocation } from '../handler.js';
import type { RequestInfo } from '../request-info.js';
import type { RunnerPreambleRef, RunnerPreambleReport } from '../runner-preamble.js';
import type { HandlerDefaults } from './handler-defaults.js';

/** What the runner needs to start: where the handler lives and what `this.server` shows. */
export interface RunnerInit {
  readonly handler: HandlerLocation;
  readonly server: {
    readonly serverAddress: SocketAddress;
    readonly transportKind: 'stream' | 'datagram';
  };
  /** ms a finished transferred connection may take to flush its last bytes. */
  readonly closeTimeout: number;
  /** The server's `requestTimeout`: ms one request may run, or null. */
  readonly requestTimeout: number | null;
  /** The server's connection upgrade (TLS), which the runner builds for itself. */
  readonly upgrade?: ConnectionUpgradeRef | undefined;
  /** The server's preamble run here before the upgrade (a PROXY header, `parseIn: 'runner'`). */
  readonly preamble?: RunnerPreambleRef | undefined;
  /**
   * Handler defaults the server's process set (`idleTimeout`, `firstByteTimeout`), written on
   * the runner's copy of the handler class when it loads; see `handler-defaults.ts`.
   */
  readonly handlerDefaults?: HandlerDefaults;
  /**
   * Handlers the runner runs at once, counted by the runner itself (`runner-slots.ts`): set
   * when silent connections may wait there for their first bytes, whose start the server
   * learns of too late to count. Absent: the server's count is exact; every request starts.
   */
  readonly slots?: number;
}

/** An error as it crosses a thread or process boundary. */
export interface RemoteErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  /** The error's own fields with plain values (`limit`, `syscallCode`, …). */
  readonly props: Readonly<Record<string, string | number | boolean | null>>;
}

/** Server → runner. */
export type ToRunner =
  | {
      readonly t: 'stream';
      readonly id: number;
      readonly clientAddress: SocketAddress;
      readonly socket?: unknown;
      /**
       * Bytes the server already read from the connection and nobody consumed (read past a
       * PROXY header, say): the runner puts them back before the handler reads.
       */
      readonly head?: Uint8Array;
      /** What the transport learned about the connection (`requestInfo`: a PROXY header). */
      readonly info?: RequestInfo;
      /**
       * Present on a moved socket that has not sent anything yet: the runner waits up to this
       * many ms (null: no limit) for its first bytes before any handler runs, says so with
       * `first-bytes`, and ends it (`done`, `idle`) when none came (`first-bytes-in-runner.ts`).
       */
      readonly firstBytes?: number | null;
    }
  | { readonly t: 'data'; readonly id: number; readonly chunk: Uint8Array }
  | { readonly t: 'eof'; readonly id: number }
  | { readonly t: 'abort'; readonly id: number; readonly error: RemoteErrorInfo | undefined }
  | { readonly t: 'written'; readonly id: number; readonly bytes: number }
  | {
      readonly t: 'datagram';
      readonly id: number;
      readonly data: Uint8Array;
      readonly clientAddress: SocketAddress;
      readonly canReply: boolean;
      /** What the transport learned about the datagram (`requestInfo`: a PROXY header). */
      readonly info?: RequestInfo;
    }
  | { readonly t: 'replied'; readonly id: number; readonly error: RemoteErrorInfo | undefined }
  | { readonly t: 'shutdown-done'; readonly call: number }
  /** The server is closing: request `id` drains. */
  | { readonly t: 'drain'; readonly id: number }
  /** Request `id` is cut: its handler's `signal` aborts, its connection closes, it answers `done`. */
  | { readonly t: 'cut'; readonly id: number }
  /** New settings for the runner's connection upgrade (a certificate reload). */
  | { readonly t: 'upgrade-settings'; readonly settings: unknown };

/** Runner → server. */
export type FromRunner =
  | { readonly t: 'ready' }
  | { readonly t: 'init-error'; readonly error: RemoteErrorInfo }
  | { readonly t: 'write'; readonly id: number; readonly chunks: Uint8Array[] }
  | { readonly t: 'pause'; readonly id: number }
  | { readonly t: 'resume'; readonly id: number }
  | { readonly t: 'end'; readonly id: number }
  | { readonly t: 'reply'; readonly id: number; readonly data: Uint8Array }
  | {
      readonly t: 'done';
      readonly id: number;
      readonly error: RemoteErrorInfo | undefined;
      /** The connection upgrade refused the connection (no handler ran): what it reported. */
      readonly refused?: unknown;
      /** How the runner's preamble ended, when the server counts it (a refusal, a health check). */
      readonly preamble?: RunnerPreambleReport;
      /** No handler ran: the connection sent nothing within its first-byte deadline. */
      readonly idle?: 'first-byte-timeout';
    }
  /** Stream `id`, moved while silent (`firstBytes`), sent its first bytes: its handler starts. */
  | { readonly t: 'first-bytes'; readonly id: number }
  /**
   * Request `id` waits in the runner for a handler slot (`runner-slots.ts`, sent only when every
   * slot is taken): no handler runs for it until `slot-start`. Were the runner to die meanwhile,
   * the request was never served (`lostWith`) and its client is not blamed (`blameCrash`).
   */
  | { readonly t: 'slot-wait'; readonly id: number }
  /** Request `id`, which waited for a handler slot (`slot-wait`), took one: its handler starts. */
  | { readonly t: 'slot-start'; readonly id: number }
  | { readonly t: 'shutdown'; readonly call: number }
  /**
   * Handler code called `process.exit()`: the runner is going away and must be handed no
   * more requests. `running` lists the requests it had started.
   */
  | { readonly t: 'exiting'; readonly running: number[] };

/** @internal Flattens an error for posting. */
export function toRemoteError(error: unknown): RemoteErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const props: Record<string, string | number | boolean | null> = {};
    for (const [key, value] of Object.entries(error)) {
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
        props[key] = value;
    }
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      code: typeof code === 'string' ? code : undefined,
      props,
    };
  }
  return { name: 'Error', message: String(error), stack: undefined, code: undefined, props: {} };
}
