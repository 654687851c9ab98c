/**
 * systemd socket activation (`sd_listen_fds(3)`): the service manager binds the sockets and
 * starts the program with them open from descriptor 3 on, `LISTEN_FDS` = how many,
 * `LISTEN_PID` = the pid they are meant for, `LISTEN_FDNAMES` = their names (`FileDescriptorName=`
 * in the .socket unit, `--fdname` of `systemd-socket-activate`).
 */
import { InheritedDescriptorError, InvalidOptionError } from '../errors.js';
import {
  type DescriptorInfo,
  type DescriptorKind,
  describeDescriptor,
} from './describe-descriptor.js';

/** `SD_LISTEN_FDS_START`: the first inherited descriptor. */
export const LISTEN_FDS_START = 3;

/** One socket passed by the service manager. */
export interface ListenFd extends DescriptorInfo {
  /** Its name from `LISTEN_FDNAMES`; `unknown` when none was given (as systemd does). */
  readonly name: string;
}

/** Options of {@link listenFds}. */
export interface ListenFdsOptions {
  /** Remove `LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES` so children don't see them. Default `true` (`sd_listen_fds(1)`). */
  readonly unsetEnvironment?: boolean;
  /** The environment to read; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The sockets passed by socket activation, each described (TCP/UDP, Unix stream/datagram,
 * bound address): systemd's `sd_listen_fds_with_names()`. Empty when `LISTEN_FDS` is unset or
 * `LISTEN_PID` names another process (the variables leaked from a parent). By default the
 * variables are removed, so children started later don't think the sockets are theirs.
 *
 * ```ts
 * const [http] = listenFds().filter((s) => s.name === 'http');
 * const server = await TCPServer.create({ fd: http.fd }, Handler);
 * ```
 */
export function listenFds(options: ListenFdsOptions = {}): ListenFd[] {
  const env = options.env ?? process.env;
  const countText = env.LISTEN_FDS;
  const pidText = env.LISTEN_PID;
  const namesText = env.LISTEN_FDNAMES;
  if (options.unsetEnvironment ?? true) {
    delete env.LISTEN_FDS;
    delete env.LISTEN_PID;
    delete env.LISTEN_FDNAMES;
  }
  if (countText === undefined || pidText === undefined) return [];
  if (!/^\d+$/.test(pidText) || Number(pidText) !== process.pid) return [];
  if (!/^\d+$/.test(countText))
    throw new InvalidOptionError('LISTEN_FDS', 'a count of descriptors', countText);
  const count = Number(countText);
  const names = namesText === undefined ? [] : namesText.split(':');
  const fds: ListenFd[] = [];
  for (let i = 0; i < count; i++) {
    const fd = LISTEN_FDS_START + i;
    fds.push({ ...describeDescriptor(fd), name: names[i] || 'unknown' });
  }
  return fds;
}

/**
 * For transports: checks that inherited descriptor `fd` is one of `kinds` (listening, for a
 * stream kind) before it is adopted, so a wrong descriptor is an
 * {@link InheritedDescriptorError} naming it and what it is, never a bare `EINVAL`. A socket
 * whose kind could not be told (no /proc) passes; adopting it is then the check.
 */
export function checkInheritedDescriptor(
  fd: unknown,
  kinds: readonly DescriptorKind[],
  needs: string,
): DescriptorInfo {
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new InvalidOptionError('fd', 'a descriptor number (an integer >= 0)', fd);
  }
  const info = describeDescriptor(fd);
  const streamKind = info.kind === 'tcp' || info.kind === 'unix-stream';
  if (
    info.kind === 'socket' ||
    (kinds.includes(info.kind) && (!streamKind || info.listening === true))
  ) {
    return info;
  }
  throw new InheritedDescriptorError(fd, `fd ${fd} is ${info.what}; ${needs}`);
}

/** An inherited socket given instead of an address: `TCPServer.create({ fd: 3 }, Handler)`. */
export interface InheritedSocket {
  /** The descriptor number (3 and up for socket activation; see {@link listenFds}). */
  readonly fd: number;
}

/** Whether a server address is an {@link InheritedSocket} (`{ fd }`), checking the number. */
export function isInheritedSocket(input: unknown): input is InheritedSocket {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('fd' in input)) {
    return false;
  }
  const { fd } = input as { fd: unknown };
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new InvalidOptionError('serverAddress.fd', 'a descriptor number (an integer >= 0)', fd);
  }
  return true;
}
