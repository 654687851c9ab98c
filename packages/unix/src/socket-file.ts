/**
 * The socket file's life: before binding, a stale file left by a dead process is detected
 * (nothing accepts on it) and removed, while a live server there is an EADDRINUSE naming the
 * path; binding can happen in a private directory so that `mode` is in force before the file
 * appears at its path (rename is atomic); on close the file is removed only if it is still
 * the one this server created (same device and inode).
 */
import { chmod, lstat, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { BindError, systemCode } from '@sockserve/core';
import { isAbstract, MAX_UNIX_PATH_BYTES } from './unix-path.js';

/** One server's socket file; see the module comment. */
export class SocketFile {
  /** The path clients use. */
  readonly path: string;
  readonly #mode: number | undefined;
  readonly #describe: string;
  #privateDir: string | undefined;
  #identity: { dev: number; ino: number } | undefined;

  constructor(path: string, mode: number | undefined, describe: string) {
    this.path = path;
    this.#mode = mode;
    this.#describe = describe;
  }

  /**
   * Clears a stale file and returns the path to bind: `path` itself, or a path inside a fresh
   * private directory beside it when `usePrivateDir` (and the longer path still fits).
   */
  async prepare(usePrivateDir: boolean): Promise<string> {
    if (isAbstract(this.path)) return this.path;
    await this.#removeIfStale();
    if (!usePrivateDir) return this.path;
    const prefix = join(dirname(this.path), '.s');
    if (Buffer.byteLength(prefix) + 8 > MAX_UNIX_PATH_BYTES) {
      if (this.#mode !== undefined) {
        throw new BindError(
          this.#describe,
          new Error(
            `the path is too long to apply mode ${this.#mode.toString(8)} before clients can connect`,
          ),
        );
      }
      return this.path;
    }
    try {
      this.#privateDir = await mkdtemp(prefix);
    } catch (error) {
      throw new BindError(this.#describe, error);
    }
    return join(this.#privateDir, 's');
  }

  /** After binding at `boundPath`: applies the mode, moves the file into place, records it. */
  async commit(boundPath: string): Promise<void> {
    if (isAbstract(this.path)) return;
    try {
      if (this.#mode !== undefined) await chmod(boundPath, this.#mode);
      if (boundPath !== this.path) await rename(boundPath, this.path);
      const stat = await lstat(this.path);
      this.#identity = { dev: stat.dev, ino: stat.ino };
    } catch (error) {
      throw new BindError(this.#describe, error);
    } finally {
      await this.#removePrivateDir();
    }
  }

  /** Removes the file if it is still the one this server created, and any private directory. */
  async release(): Promise<void> {
    await this.#removePrivateDir();
    const identity = this.#identity;
    this.#identity = undefined;
    if (identity === undefined) return;
    try {
      const stat = await lstat(this.path);
      if (stat.dev === identity.dev && stat.ino === identity.ino) await unlink(this.path);
    } catch (error) {
      if (systemCode(error) !== 'ENOENT') throw error;
    }
  }

  async #removePrivateDir(): Promise<void> {
    const dir = this.#privateDir;
    this.#privateDir = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  async #removeIfStale(): Promise<void> {
    let stat: Awaited<ReturnType<typeof lstat>>;
    try {
      stat = await lstat(this.path);
    } catch (error) {
      if (systemCode(error) === 'ENOENT') return;
      throw new BindError(this.#describe, error);
    }
    if (!stat.isSocket()) {
      throw new BindError(
        this.#describe,
        inUse(`${this.path} exists and is not a socket; not removing it`),
      );
    }
    if (await isListening(this.path)) {
      throw new BindError(this.#describe, inUse(`another server is listening on ${this.path}`));
    }
    await unlink(this.path).catch((error: unknown) => {
      if (systemCode(error) !== 'ENOENT') throw new BindError(this.#describe, error);
    });
  }
}

function inUse(message: string): Error {
  return Object.assign(new Error(message), { code: 'EADDRINUSE' });
}

/**
 * Whether a process is bound to the socket file at `path`: a stream connect succeeds (a
 * stream server) or fails with EPROTOTYPE (a datagram socket is bound there); ECONNREFUSED
 * means nobody is (a stale file).
 */
function isListening(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error) => {
      const code = systemCode(error);
      if (code === 'ECONNREFUSED') resolve(false);
      else if (code === 'EPROTOTYPE') resolve(true);
      else reject(error);
    });
  });
}
