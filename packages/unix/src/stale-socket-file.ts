/**
 * Removing a socket file that nobody is bound to any more, without ever removing anything
 * else. Removal happens only under a lock file beside the path (`<path>.lock`, created with
 * O_EXCL, held for a few milliseconds), so two sockserve servers never remove each other's
 * files; and it is done by moving the file into a private directory and checking it is still
 * the very file that was judged (same device and inode) before deleting it, so a file that
 * anyone else put at the path in the meantime is linked back (link(2) never replaces), not
 * destroyed.
 */
import type { Stats } from 'node:fs';
import { link, lstat, mkdtemp, open, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemCode } from '@sockserve/core';

/** A file's identity: device and inode. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** True when `stat` is the file `identity` names. */
export function sameFile(stat: FileIdentity, identity: FileIdentity): boolean {
  return stat.dev === identity.dev && stat.ino === identity.ino;
}

/** How long a start waits for another process's lock before giving up (ms). */
export const LOCK_WAIT_MS = 5000;

/** An EADDRINUSE error with `message`. */
export function inUse(message: string): Error {
  return Object.assign(new Error(message), { code: 'EADDRINUSE' });
}

/**
 * Runs `fn` holding `<path>.lock`. Waits (polling, at most {@link LOCK_WAIT_MS}) while another
 * process holds it; then fails with EADDRINUSE naming the lock and its holder.
 */
export async function withPathLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${path}.lock`;
  const deadline = performance.now() + LOCK_WAIT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`).finally(() => handle.close());
      break;
    } catch (error) {
      if (systemCode(error) !== 'EEXIST') throw error;
      if (performance.now() > deadline) {
        const holder = (await readFile(lockPath, 'utf8').catch(() => '?')).trim();
        throw inUse(
          `${lockPath} has been held for over ${LOCK_WAIT_MS} ms (by pid ${holder}); if no server is starting on ${path}, remove it`,
        );
      }
      await sleep(delay);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}

/**
 * Deletes the file at `path` if it is `identity`; anything else found there is put back.
 * Call under {@link withPathLock}. Returns whether it deleted the file.
 */
export async function removeIfSame(path: string, identity: FileIdentity): Promise<boolean> {
  const dir = await mkdtemp(join(dirname(path), '.sockserve-'));
  const aside = join(dir, 'moved');
  let emptied = true;
  try {
    try {
      await rename(path, aside);
    } catch (error) {
      if (systemCode(error) === 'ENOENT') return false;
      throw error;
    }
    if (sameFile(await lstat(aside), identity)) {
      await unlink(aside);
      return true;
    }
    // Someone else's file arrived between the check and the move: put it back as it was.
    try {
      await putBack(aside, path);
    } catch (error) {
      emptied = false;
      throw error;
    }
    return false;
  } finally {
    if (emptied) await rmdir(dir).catch(() => {});
  }
}

/**
 * Runs `close` (which closes a listener bound at `path`) with whatever is at `path` moved out
 * of the way and put back after: libuv unlinks a stream listener's path when it closes,
 * whatever is there by then, and the file there is not this server's.
 */
export async function closeKeepingAside(path: string, close: () => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(dirname(path), '.sockserve-'));
  const aside = join(dir, 'kept');
  try {
    await rename(path, aside);
  } catch (error) {
    await rmdir(dir).catch(() => {});
    if (systemCode(error) === 'ENOENT') return close();
    throw error;
  }
  try {
    await close();
  } finally {
    await putBack(aside, path);
    await rmdir(dir).catch(() => {});
  }
}

/** Moves `aside` back to `path` without replacing anything (link(2); rename for a directory). */
async function putBack(aside: string, path: string): Promise<void> {
  try {
    await link(aside, path);
    await unlink(aside);
  } catch (error) {
    if (systemCode(error) === 'EPERM' && (await lstat(aside)).isDirectory()) {
      await rename(aside, path);
      return;
    }
    throw new Error(
      `${path} changed while sockserve moved it aside; it is at ${aside} and could not be put back (${(error as Error).message})`,
    );
  }
}

/** What is at a path that bind(2) found taken. */
export type PathState =
  | { readonly kind: 'gone' }
  | { readonly kind: 'foreign' }
  | { readonly kind: 'live' }
  | { readonly kind: 'stale'; readonly stat: Stats };

/** Looks at `path`: nothing, not a socket, a socket someone is bound to, or a stale one. */
export async function inspectPath(path: string): Promise<PathState> {
  let stat: Stats;
  try {
    stat = await lstat(path);
  } catch (error) {
    if (systemCode(error) === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  if (!stat.isSocket()) return { kind: 'foreign' };
  return (await isBound(path)) ? { kind: 'live' } : { kind: 'stale', stat };
}

/**
 * Whether a process is bound to the socket file at `path`: a stream connect succeeds (a
 * stream server), fails with EPROTOTYPE (a datagram socket is bound there) or EAGAIN (a
 * stream server whose backlog is full); ECONNREFUSED means nobody is (a stale file).
 */
function isBound(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error) => {
      const code = systemCode(error);
      if (code === 'ECONNREFUSED') resolve(false);
      else if (code === 'EPROTOTYPE' || code === 'EAGAIN') resolve(true);
      else if (code === 'ENOENT') resolve(false);
      else reject(error);
    });
  });
}
