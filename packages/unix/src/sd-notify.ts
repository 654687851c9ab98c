/**
 * `sd_notify(3)`: tells the service manager (systemd `Type=notify`) about the service's state
 * — `READY=1` once it serves, `STOPPING=1` when it begins to stop, `STATUS=…` — by sending one
 * Unix datagram to the socket named in `NOTIFY_SOCKET`. Node core cannot send AF_UNIX
 * datagrams; this uses the same `node-unix-socket` addon as `UnixDatagramServer`.
 */
import { UnsupportedError } from '@sockserve/core';
import { UnixDgramSocket } from './unix-dgram-socket.js';
import { isAbstract } from './unix-path.js';

/** Options of {@link sdNotify}. */
export interface SdNotifyOptions {
  /** The environment holding `NOTIFY_SOCKET`; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Sends `state` (`READY=1`, `STOPPING=1`, `STATUS=text`, several separated by newlines) to
 * the service manager; systemd's `sd_notify(0, state)`. Resolves `false` when
 * `NOTIFY_SOCKET` is unset (not started by a manager that listens), `true` once sent.
 *
 * `NOTIFY_SOCKET` is a path in practice (`/run/systemd/notify`); an abstract name (`@name`)
 * is an `UnsupportedError`, because node-unix-socket cannot address abstract names (its
 * `sendTo` fails with ECONNREFUSED for them). A send error (the manager gone) rejects with
 * the system error.
 */
export async function sdNotify(state: string, options: SdNotifyOptions = {}): Promise<boolean> {
  const target = (options.env ?? process.env).NOTIFY_SOCKET;
  if (target === undefined || target === '') return false;
  if (target.startsWith('@') || isAbstract(target)) {
    throw new UnsupportedError(
      `NOTIFY_SOCKET ${JSON.stringify(target)} is an abstract socket name; node-unix-socket can send only to a socket file`,
    );
  }
  const socket = new UnixDgramSocket(
    () => {},
    () => {},
  );
  try {
    await socket.sendTo(Buffer.from(state), target);
  } finally {
    socket.close();
  }
  return true;
}
