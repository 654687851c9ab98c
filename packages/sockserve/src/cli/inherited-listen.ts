/**
 * Socket activation for the command: `--tcp fd:3` / `--udp fd:3` / `--unix fd:3` adopt a
 * descriptor by number, `--systemd NAME` finds it by its name in `LISTEN_FDNAMES`
 * (`FileDescriptorName=` in the .socket unit) and picks the server from its kind. Either way
 * the `LISTEN_*` variables are removed, so child processes never take the sockets for theirs.
 */
import { type ListenFd, listenFds } from '@sockserve/core';
import type { ListenAddress, ListenRequest } from './args.js';
import { type AdoptingTransport, TRANSPORTS } from './transports.js';
import { UsageError } from './usage-error.js';

/** The address to open for `request`: itself, or for `--systemd NAME` the named inherited socket. */
export function resolveListen(
  request: ListenRequest,
  env: NodeJS.ProcessEnv = process.env,
): ListenAddress {
  if (request.transport !== 'systemd' && !('fd' in request)) return request;
  const passed = env.LISTEN_FDS !== undefined;
  const fds = listenFds({ env });
  if (request.transport !== 'systemd') return request;
  const named = fds.filter((socket) => socket.name === request.name);
  if (named.length === 0) {
    const why = !passed
      ? 'LISTEN_FDS is not set: no sockets were passed (start it from a systemd .socket unit or systemd-socket-activate)'
      : fds.length === 0
        ? `LISTEN_PID is not this process (${process.pid}): the sockets were meant for another one`
        : `the sockets passed are named ${fds.map((socket) => JSON.stringify(socket.name)).join(', ')}`;
    throw new UsageError(`--systemd ${JSON.stringify(request.name)}: no such socket; ${why}`);
  }
  if (named.length > 1) {
    throw new UsageError(
      `--systemd ${JSON.stringify(request.name)}: ${named.length} sockets have that name (fds ${named.map((socket) => socket.fd).join(', ')}); the command serves one: give each its own FileDescriptorName= or use --tcp fd:N`,
    );
  }
  return addressOf(request.name, named[0] as ListenFd);
}

/** The registered transport that serves `socket`'s kind, on that descriptor. */
function addressOf(name: string, socket: ListenFd): ListenAddress {
  const entry = TRANSPORTS.find((transport) => transport.socketKind === socket.kind);
  const where = `--systemd ${JSON.stringify(name)}: fd ${socket.fd} is ${socket.what}`;
  if (entry === undefined) {
    throw new UsageError(`${where}; expected a TCP, UDP or Unix stream socket`);
  }
  if (entry.adopts !== true) throw new UsageError(`${where}; ${entry.adopts.refusal}`);
  return { transport: entry.name as AdoptingTransport, fd: socket.fd };
}
