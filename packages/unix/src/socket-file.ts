/**
 * The socket file's life. The socket is bound in place — bind(2) creates the file only when
 * nothing is at the path and fails with EADDRINUSE otherwise — so of any number of servers
 * racing for one path exactly one wins, nothing at the path is ever replaced, and the bound
 * address (`getsockname()`, a client's `getpeername()`) is the real path. `mode` is in force
 * from the moment the file exists: the bind runs under a umask that allows at most `mode`,
 * then the file is `chmod`ed to exactly `mode` (which can only widen it). When the path is
 * taken by a socket nobody is bound to (a process died), it is removed safely (see
 * `stale-socket-file.ts`) and the bind retried; a live server there, or anything but a
 * socket, is an EADDRINUSE naming the path. On close the file is removed only if it is still
 * the one this server created (same device and inode).
 */
import cluster from 'node:cluster';
import { chmod, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { BindError, systemCode, UnsupportedError } from '@sockserve/core';
import {
  closeKeepingAside,
  type FileIdentity,
  inspectPath,
  inUse,
  removeIfSame,
  sameFile,
  withPathLock,
} from './stale-socket-file.js';
import { isAbstract } from './unix-path.js';

/** Binds once; runs its synchronous bind(2) inside `underMode`; rejects when the path is taken. */
export type BindOnce = (underMode: (bind: () => void) => void) => Promise<void>;

/** How often a start clears a stale file and retries before giving up with EADDRINUSE. */
const MAX_ATTEMPTS = 8;

/** One server's socket file; see the module comment. */
export class SocketFile {
  /** The path clients use. */
  readonly path: string;
  readonly #mode: number | undefined;
  readonly #describe: string;
  #identity: FileIdentity | undefined;
  #bound = false;

  constructor(path: string, mode: number | undefined, describe: string) {
    this.path = path;
    this.#mode = mode;
    this.#describe = describe;
  }

  /**
   * Binds at the path through `bindOnce`, clearing a stale file first if one is in the way.
   * Rejects with `BindError` (EADDRINUSE naming the path when another server or a non-socket
   * holds it). On rejection nothing of this server is left at the path, but the caller must
   * close what `bindOnce` opened.
   */
  async claim(bindOnce: BindOnce): Promise<void> {
    if (this.#mode !== undefined && (!isMainThread || cluster.isWorker)) {
      throw new UnsupportedError(
        'mode is applied with process.umask(), which only the main thread of a process that is not a cluster worker can set; create the server there, or leave mode unset and restrict the directory instead',
      );
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await bindOnce((bind) => this.#underMode(bind));
        break;
      } catch (error) {
        const code = error instanceof BindError ? error.syscallCode : systemCode(error);
        if (code === 'EACCES') await this.#missingDirectory();
        if (isAbstract(this.path) || code !== 'EADDRINUSE') throw this.#bindError(error);
        if (attempt === MAX_ATTEMPTS) {
          throw this.#bindError(inUse(`${this.path} kept being taken; giving up`));
        }
        await this.#clearStale();
      }
    }
    this.#bound = true;
    if (isAbstract(this.path)) return;
    try {
      // Gone: a racer probed it between our bind and listen, judged it stale and removed it.
      const stat = await lstat(this.path).catch((error: unknown) => {
        throw systemCode(error) === 'ENOENT'
          ? inUse(`${this.path} was taken while binding`)
          : error;
      });
      // Anything but a socket was put there by someone else in the moment since the bind.
      if (!stat.isSocket()) throw inUse(`${this.path} was replaced while binding`);
      this.#identity = { dev: stat.dev, ino: stat.ino };
      if (this.#mode !== undefined) await chmod(this.path, this.#mode);
    } catch (error) {
      throw this.#bindError(error);
    }
  }

  /**
   * Closes the listener through `closeListener` and removes the file if it is still the one
   * this server created. A file someone else put at the path is kept out of the way while the
   * listener closes (libuv unlinks a stream listener's path on close, whatever is there) and
   * put back. Never throws for the file: one that can't be removed now is a stale file the
   * next start replaces.
   */
  async release(closeListener: () => Promise<void> | void = () => {}): Promise<void> {
    const identity = this.#identity;
    const bound = this.#bound;
    this.#identity = undefined;
    this.#bound = false;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await closeListener();
    };
    if (!bound || isAbstract(this.path)) return close();
    try {
      await withPathLock(this.path, async () => {
        const stat = await lstat(this.path).catch(() => undefined);
        if (stat === undefined) return close();
        if (identity !== undefined && sameFile(stat, identity)) {
          await close();
          // libuv unlinks a stream listener's path itself; the datagram addon does not.
          if ((await lstat(this.path).catch(() => undefined)) !== undefined) {
            await removeIfSame(this.path, identity);
          }
          return;
        }
        await closeKeepingAside(this.path, close);
      });
    } catch {
      // Not ours to remove now (or the lock is stuck): the listener still closes below.
    } finally {
      await close();
    }
  }

  /** Runs the synchronous bind under a umask that lets the new file have at most `mode`. */
  #underMode(bind: () => void): void {
    if (this.#mode === undefined || isAbstract(this.path)) {
      bind();
      return;
    }
    const previous = process.umask(0o777);
    try {
      process.umask(previous | (~this.#mode & 0o777));
      bind();
    } finally {
      process.umask(previous);
    }
  }

  /** The path was taken: throws EADDRINUSE unless it held a stale socket, which is removed. */
  async #clearStale(): Promise<void> {
    const state = await inspectPath(this.path).catch((error: unknown) => {
      throw this.#bindError(error);
    });
    if (state.kind === 'gone') return;
    if (state.kind === 'foreign') {
      throw this.#bindError(inUse(`${this.path} exists and is not a socket; not removing it`));
    }
    if (state.kind === 'live') {
      throw this.#bindError(inUse(`another server is listening on ${this.path}`));
    }
    try {
      await withPathLock(this.path, async () => {
        // Look again under the lock: a server that bound a moment ago is listening by now.
        const again = await inspectPath(this.path);
        if (again.kind === 'live') throw inUse(`another server is listening on ${this.path}`);
        if (again.kind === 'stale' && sameFile(again.stat, state.stat)) {
          await removeIfSame(this.path, state.stat);
        }
      });
    } catch (error) {
      throw this.#bindError(error);
    }
  }

  /** libuv reports a missing directory as EACCES (as Windows would): say ENOENT instead. */
  async #missingDirectory(): Promise<void> {
    if (isAbstract(this.path)) return;
    const error = await lstat(dirname(this.path)).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (systemCode(error) === 'ENOENT') throw this.#bindError(error);
  }

  #bindError(error: unknown): BindError {
    return error instanceof BindError ? error : new BindError(this.#describe, error);
  }
}
