/**
 * Every option of every server is checked in the constructor, before anything is bound or
 * created (issue 12, item 6). The test walks the declarations (`Server.options`), so a new
 * option is covered without a new line here: each option gets its declared bad value, the
 * error must be exactly that option's, and no descriptor, handle or socket file may be left.
 */
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnyOptionSet } from '@sockserve/core/kit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BaseRequestHandler,
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixDatagramServer,
  ForkingUnixStreamServer,
  InvalidOptionError,
  TCPServer,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
  UDPServer,
  UnixDatagramServer,
  UnixStreamServer,
} from '../src/index.js';
import { removeTempDirs, tempDir } from './helpers.js';

class NoopHandler extends BaseRequestHandler {
  static readonly module = import.meta.url;
}

type AnyServer = (new (
  address: unknown,
  handler: unknown,
  options: object,
) => unknown) & {
  readonly options: AnyOptionSet;
};

const inet = () => ({ host: '127.0.0.1', port: 0 });
const servers: [string, AnyServer, 'inet' | 'path'][] = [
  ['TCPServer', TCPServer, 'inet'],
  ['UDPServer', UDPServer, 'inet'],
  ['UnixStreamServer', UnixStreamServer, 'path'],
  ['UnixDatagramServer', UnixDatagramServer, 'path'],
  ['ThreadingTCPServer', ThreadingTCPServer, 'inet'],
  ['ThreadingUDPServer', ThreadingUDPServer, 'inet'],
  ['ThreadingUnixStreamServer', ThreadingUnixStreamServer, 'path'],
  ['ThreadingUnixDatagramServer', ThreadingUnixDatagramServer, 'path'],
  ['ForkingTCPServer', ForkingTCPServer, 'inet'],
  ['ForkingUDPServer', ForkingUDPServer, 'inet'],
  ['ForkingUnixStreamServer', ForkingUnixStreamServer, 'path'],
  ['ForkingUnixDatagramServer', ForkingUnixDatagramServer, 'path'],
] as unknown as [string, AnyServer, 'inet' | 'path'][];

/**
 * What this process's descriptors other than files are (sockets, pipes, event fds), sorted: a
 * bind, a listener, a worker or a child would add one. Files are left out: the test runner
 * and lazy imports open and close them at any moment, which made a plain count flaky.
 */
function openEndpoints(): string[] {
  const links: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (!target.startsWith('/')) links.push(target);
    } catch {
      // Closed between the listing and the read (the listing's own descriptor, a file).
    }
  }
  return links.sort();
}

function handles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== 'Timeout' && kind !== 'Immediate');
}

afterAll(removeTempDirs);

describe('a bad option is refused before anything is bound', () => {
  it.each(servers)('%s: every declared option, with its bad value', async (_name, Server, kind) => {
    const names = Server.options.names;
    expect(names.length).toBeGreaterThan(5);
    const dir = tempDir();
    // Settle what the first construction loads (lazily imported modules), then count.
    await nextTurn();
    const endpoints = openEndpoints();
    const active = handles();
    for (const name of names) {
      const spec = Server.options.specs[name];
      const path = join(dir, `${name}.sock`);
      const address = kind === 'inet' ? inet() : path;
      const expected = new InvalidOptionError(name, spec.expected, spec.invalidSample);
      let thrown: unknown;
      try {
        new Server(address, NoopHandler, { [name]: spec.invalidSample });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(InvalidOptionError);
      expect(thrown, name).toMatchObject({
        code: 'ERR_SOCKSERVE_INVALID_OPTION',
        option: name,
        message: expected.message,
      });
      // A bind scheduled by the constructor would run in these turns.
      await nextTurn();
      await nextTurn();
      expect(existsSync(path), `${name}: socket file`).toBe(false);
    }
    expect(openEndpoints()).toEqual(endpoints);
    expect(handles()).toEqual(active);
  });
});
