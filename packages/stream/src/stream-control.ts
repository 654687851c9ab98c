/**
 * How a `StreamReader` drives its stream: makes it flow while a read waits, tells when it
 * can give no more bytes, and hands unread bytes back when the reader closes — into the stream
 * (`unshift`), or, once the stream has ended and no longer takes them, to the next reader of
 * that stream. Not exported from the package.
 */
import type { Readable } from 'node:stream';

/**
 * Bytes a closed reader had buffered but could not push back (the stream had already
 * emitted 'end', after which `unshift` is not allowed); the next reader of that stream
 * starts with them.
 */
const leftovers = new WeakMap<Readable, Buffer>();

/** A read waits for the stream: make it flow (a no-op while it does; a paused one restarts on the next tick). */
export function flow(stream: Readable): void {
  if (stream.readableFlowing !== true) stream.resume();
}

/** True once the stream can give no more bytes: it ended, or was destroyed. */
export function ended(stream: Readable): boolean {
  return stream.readableEnded || stream.destroyed;
}

/** Puts `rest` (unread, non-empty) back for the next reader of `stream`. */
export function handBack(stream: Readable, rest: Buffer): void {
  if (!stream.readableEnded && !stream.destroyed) stream.unshift(rest);
  else leftovers.set(stream, rest);
}

/** The bytes a closed reader of `stream` could not push back, taken (once) by a new reader. */
export function takeLeftovers(stream: Readable): Buffer | undefined {
  const rest = leftovers.get(stream);
  if (rest !== undefined) leftovers.delete(stream);
  return rest;
}
