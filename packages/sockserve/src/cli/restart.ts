/**
 * Zero-downtime restart, the SIGHUP action: start a successor that inherits our listening
 * socket, wait until it says it serves, and report its pid; the caller then drains this
 * process (stops accepting, serves what it accepted, exits). The listening socket never
 * closes, so no connection is refused: until we stop accepting, both processes accept from
 * the same queue; after, the successor alone does.
 *
 * How the successor is started (nginx's and gunicorn's binary upgrade, in systemd's words):
 * - the listening socket is its fd 3 with `LISTEN_FDS=1` and `LISTEN_FDNAMES=NAME`, and its
 *   address option becomes `--systemd NAME` (NAME: ours when we were started with `--systemd`,
 *   else `sockserve`), so it adopts the socket through `listenFds()` exactly as from systemd;
 * - `LISTEN_PID` must be the successor's own pid, unknown before it exists: a one-line
 *   `/bin/sh` exec wrapper sets `LISTEN_PID=$$` and `exec`s node, which keeps the shell's pid,
 *   so `listenFds()`'s pid check stays as strict as systemd's (no sockserve-only variable);
 * - readiness comes back sd_notify-style on a pipe of ours, its fd 4 (`SOCKSERVE_READY_FD=4`):
 *   the successor writes `READY=1` once its serve loop runs. If it exits first, the restart
 *   failed and we go on serving as if nothing happened.
 *
 * Parentage: the successor is our child, not detached (same process group and session, so a
 * terminal's Ctrl-C still reaches it); it outlives us because nothing ties it to our life (no
 * IPC channel; its stdin is /dev/null; stdout and stderr are ours, inherited). When we exit it
 * is re-parented to the nearest subreaper (systemd for a service, else init). Under systemd the
 * main PID changes: once the successor is ready we send `MAINPID=<its pid>` to
 * `NOTIFY_SOCKET` (allowed with the default `NotifyAccess=main`, since we are still the main
 * process), and the successor does not send `READY=1` again. See docs/deployment.md.
 */
import { spawn } from 'node:child_process';
import type { ListenRequest } from './args.js';
import type { AnyServer } from './open-server.js';
import { successorArgs } from './successor-args.js';

/** The environment variable that tells a successor where to report readiness. */
export const READY_FD_VARIABLE = 'SOCKSERVE_READY_FD';

/** The descriptor a successor gets its readiness pipe on (after fd 3, the listening socket). */
const READY_FD = 4;

/** How a restart went: the ready successor's pid, or why there is none. */
export type RestartOutcome =
  | { readonly ok: true; readonly pid: number }
  | { readonly ok: false; readonly reason: string };

/** Where the successor is started from: our node, its options, our script and our arguments. */
export interface SuccessorLaunch {
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly script: string;
  readonly argv: readonly string[];
}

/** Why the server's socket cannot be handed over, or `undefined` when it can. */
export function cannotRestart(listen: ListenRequest, server: AnyServer): string | undefined {
  if (listen.transport === 'unix-dgram') {
    return 'an inherited Unix datagram socket is not supported, so a --unix-dgram server cannot hand its socket over';
  }
  if (listen.transport === 'unix' && 'path' in listen) {
    return 'a --unix server that bound its socket file removes it when it closes (libuv does); start it from a systemd .socket unit (--systemd NAME) to restart it';
  }
  if (server.fileno() === undefined) return 'the listening descriptor is not known';
  return undefined;
}

/**
 * Starts the successor with the server's listening socket and resolves once it is ready (or
 * failed); see the module comment. `abort` (a stop signal meanwhile) stops a successor still
 * starting with SIGTERM.
 */
export function startSuccessor(
  server: AnyServer,
  listen: ListenRequest,
  launch: SuccessorLaunch,
  abort: Promise<unknown>,
): Promise<RestartOutcome> {
  const why = cannotRestart(listen, server);
  if (why !== undefined) return Promise.resolve({ ok: false, reason: why });
  const fd = server.fileno() as number;
  const name = listen.transport === 'systemd' ? listen.name : 'sockserve';
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'LISTEN_PID=$$; export LISTEN_PID; exec "$@"',
      'sockserve-successor',
      launch.execPath,
      ...launch.execArgv,
      launch.script,
      ...successorArgs(launch.argv, name),
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit', fd, 'pipe'],
      env: {
        ...process.env,
        LISTEN_FDS: '1',
        LISTEN_FDNAMES: name,
        [READY_FD_VARIABLE]: String(READY_FD),
      },
    },
  );
  const pipe = child.stdio[READY_FD] as NodeJS.ReadableStream & { destroy(): void };
  return new Promise<RestartOutcome>((resolve) => {
    let said = '';
    let settled = false;
    const settle = (outcome: RestartOutcome) => {
      if (settled) return;
      settled = true;
      pipe.removeAllListeners('data');
      pipe.destroy();
      child.removeListener('exit', onExit);
      // Nothing of ours keeps it, nor it us: it outlives this process.
      child.unref();
      resolve(outcome);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      settle({
        ok: false,
        reason: `the successor exited before it was ready (${signal ?? `exit code ${code}`})`,
      });
    child.once('exit', onExit);
    child.once('error', (error) => settle({ ok: false, reason: error.message }));
    pipe.setEncoding('utf8');
    pipe.on('data', (text: string) => {
      said += text;
      if (/^READY=1$/m.test(said)) settle({ ok: true, pid: child.pid as number });
    });
    void abort.then(() => {
      // A stop before the successor was ready stops it too; after, it is on its own.
      if (!settled && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
  });
}
