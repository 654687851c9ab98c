/**
 * What an inherited file descriptor is: a TCP or UDP socket (family, bound address, whether it
 * listens), a Unix stream or datagram socket (path), another socket, or no socket at all.
 *
 * How: `fs.fstatSync(fd)` says whether it is a socket and gives its inode; the kernel's
 * socket tables `/proc/net/{tcp,tcp6,udp,udp6,unix}` list every socket of the process's
 * network namespace by inode, with type, state and local address. The alternative, wrapping
 * the descriptor in `net.Server().listen({ fd })` or `dgram` `bind({ fd })` and reading
 * `address()`, takes ownership of the descriptor (closing the wrapper closes it), answers
 * only "is it the kind I tried", fails with a bare `EINVAL` otherwise, and cannot look at a
 * Unix datagram socket at all. Reading /proc leaves the descriptor untouched and needs no
 * native addon. Off Linux (no /proc/net) a socket is described as `socket` (kind unknown)
 * and the transport's own adoption is the check.
 */
import { fstatSync, readFileSync, type Stats } from 'node:fs';
import { type InetAddress, inetAddress, type UnixAddress, unixAddress } from '../address.js';
import { systemCode } from '../errors.js';

/** The kinds of descriptor {@link describeDescriptor} tells apart. */
export type DescriptorKind =
  | 'tcp'
  | 'udp'
  | 'unix-stream'
  | 'unix-dgram'
  | 'unix-seqpacket'
  | 'socket'
  | 'not-socket'
  | 'closed';

/** What a descriptor is; `what` says it in words for errors and logs. */
export interface DescriptorInfo {
  readonly fd: number;
  readonly kind: DescriptorKind;
  /** TCP / Unix stream: the socket listens (`listen()` was called). */
  readonly listening?: boolean;
  /** The local (bound) address, when the kernel reports one. */
  readonly address?: InetAddress | UnixAddress;
  /** In words: `a listening TCP socket on 127.0.0.1:8000`, `a regular file`, … */
  readonly what: string;
}

const TCP_LISTEN = '0A';
const UNIX_ACCEPTCON = 0x10000;
const UNIX_TYPES: Record<string, DescriptorKind> = {
  '0001': 'unix-stream',
  '0002': 'unix-dgram',
  '0005': 'unix-seqpacket',
};

/**
 * Describes descriptor `fd` without touching it (see the module comment). Python has no
 * counterpart; `socket.socket(fileno=fd)` guesses family and type from `getsockopt`.
 */
export function describeDescriptor(fd: number): DescriptorInfo {
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    const code = systemCode(error);
    return { fd, kind: 'closed', what: `not an open descriptor (${code ?? String(error)})` };
  }
  if (!stats.isSocket()) return { fd, kind: 'not-socket', what: fileType(stats) };
  const inode = String(stats.ino);
  return (
    findInet(fd, inode, 'tcp') ??
    findInet(fd, inode, 'udp') ??
    findUnix(fd, inode) ?? { fd, kind: 'socket', what: 'a socket of a kind not told apart here' }
  );
}

function fileType(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isCharacterDevice()) return 'a character device (a terminal or /dev/null)';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a socket';
}

function readTable(name: string): string[] {
  try {
    return readFileSync(`/proc/net/${name}`, 'latin1').split('\n').slice(1);
  } catch {
    return [];
  }
}

function findInet(fd: number, inode: string, protocol: 'tcp' | 'udp'): DescriptorInfo | undefined {
  for (const table of [protocol, `${protocol}6`]) {
    for (const line of readTable(table)) {
      const fields = line.trim().split(/\s+/);
      if (fields[9] !== inode) continue;
      const address = decodeInet(fields[1] ?? '');
      const shown = address.family === 'IPv6' ? `[${address.host}]` : address.host;
      if (protocol === 'udp') {
        return { fd, kind: 'udp', address, what: `a UDP socket bound to ${shown}:${address.port}` };
      }
      const listening = fields[3] === TCP_LISTEN;
      const what = listening
        ? `a listening TCP socket on ${shown}:${address.port}`
        : `a TCP socket that does not listen (a connection, or bound only) on ${shown}:${address.port}`;
      return { fd, kind: 'tcp', listening, address, what };
    }
  }
  return undefined;
}

function findUnix(fd: number, inode: string): DescriptorInfo | undefined {
  for (const line of readTable('unix')) {
    const fields = line.trim().split(/\s+/);
    if (fields[6] !== inode) continue;
    const kind = UNIX_TYPES[fields[4] ?? ''] ?? 'socket';
    const listening = (Number.parseInt(fields[3] ?? '0', 16) & UNIX_ACCEPTCON) !== 0;
    const rawPath = fields.slice(7).join(' ');
    // The kernel shows an abstract name with a leading '@' where the NUL is.
    const address =
      rawPath === ''
        ? undefined
        : unixAddress(rawPath.startsWith('@') ? `\0${rawPath.slice(1)}` : rawPath);
    const where = rawPath === '' ? 'unbound' : `bound to ${rawPath}`;
    const type =
      kind === 'unix-stream'
        ? listening
          ? 'a listening Unix stream socket'
          : 'a Unix stream socket that does not listen'
        : kind === 'unix-dgram'
          ? 'a Unix datagram socket'
          : kind === 'unix-seqpacket'
            ? 'a Unix seqpacket socket'
            : 'a Unix socket';
    return {
      fd,
      kind,
      ...(kind === 'unix-stream' ? { listening } : {}),
      ...(address === undefined ? {} : { address }),
      what: `${type} ${where}`,
    };
  }
  return undefined;
}

/** `/proc/net/tcp` writes `0100007F:1F40`: the address as 32-bit words in host (little-endian) order, the port big-endian. */
function decodeInet(hexAddress: string): InetAddress {
  const [hexHost = '', hexPort = '0'] = hexAddress.split(':');
  const port = Number.parseInt(hexPort, 16);
  const bytes: number[] = [];
  for (let word = 0; word < hexHost.length; word += 8) {
    for (let i = 6; i >= 0; i -= 2)
      bytes.push(Number.parseInt(hexHost.slice(word + i, word + i + 2), 16));
  }
  if (bytes.length === 4) return inetAddress(bytes.join('.'), port);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // The URL parser writes an IPv6 address in its canonical short form.
  const host = new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  return inetAddress(host, port);
}
