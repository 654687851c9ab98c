/** The command's parts in process: address parsing, handler lookup, strategy choice. */
import { AsyncStrategy, SequentialStrategy } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { ThreadingStrategy } from '@sockserve/threading';
import { describe, expect, it } from 'vitest';
import { parseHostPort, parseSocketPath } from '../src/cli/address.js';
import { parseCommand } from '../src/cli/args.js';
import { loadHandlerModule } from '../src/cli/handler-module.js';
import { createStrategy } from '../src/cli/strategy.js';
import { UsageError } from '../src/cli/usage-error.js';
import { FIXTURES } from './cli-process.js';

describe('HOST:PORT', () => {
  it.each([
    ['127.0.0.1:8000', { host: '127.0.0.1', port: 8000 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    [':9999', { host: '', port: 9999 }],
    ['*:9999', { host: '', port: 9999 }],
    ['[::]:65535', { host: '::', port: 65535 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
  ])('%s', (text, expected) => {
    expect(parseHostPort('--tcp', text)).toEqual(expected);
  });
});

describe('socket paths', () => {
  it("are checked by @sockserve/unix's parseUnixPath, worded as usage errors", () => {
    expect(parseSocketPath('--unix', '/tmp/x.sock')).toBe('/tmp/x.sock');
    const long = `/tmp/${'x'.repeat(120)}`;
    expect(() => parseSocketPath('--unix', long)).toThrow(UsageError);
    expect(() => parseSocketPath('--unix-dgram', long)).toThrow(
      /^option "--unix-dgram" must be at most 107 bytes long .*this one has 125/,
    );
    expect(() => parseSocketPath('--unix', '')).toThrow(/^option "--unix" must be a socket path/);
  });
});

describe('the command line', () => {
  it('defaults to the sequential strategy', () => {
    expect(parseCommand(['serve', '--unix', '/tmp/x.sock', 'h.mjs'])).toEqual({
      command: 'serve',
      listen: { transport: 'unix', path: '/tmp/x.sock' },
      strategy: { name: 'sequential' },
      handler: 'h.mjs',
      closeTimeout: 30_000,
      output: 'normal',
      hardening: {
        idleTimeout: 30_000,
        firstByteTimeout: 10_000,
        maxPerClient: 64,
        requestTimeout: 300_000,
        minReadRate: 500,
        minReadGrace: 10_000,
      },
      drainDelay: 0,
      reusePort: false,
    });
  });

  it('takes --processes N', () => {
    const command = parseCommand(['serve', '--udp', ':0', '--processes', '3', 'h.mjs']);
    expect(command).toMatchObject({ strategy: { name: 'forking', count: 3 } });
  });

  it('takes --min-spare and --max-spare with --processes, and checks them against each other', () => {
    const serve = (...flags: string[]) => parseCommand(['serve', '--tcp', ':0', ...flags, 'h.mjs']);
    expect(serve('--processes', '4', '--min-spare', '0', '--max-spare', '3')).toMatchObject({
      strategy: {
        name: 'forking',
        count: 4,
        options: { minSpareChildren: 0, maxSpareChildren: 3 },
      },
    });
    const usage = (message: string) => expect.objectContaining({ name: 'UsageError', message });
    expect(() => serve('--threads', '2', '--min-spare', '1')).toThrow(
      usage('--min-spare sets spare child processes: use it with --processes N'),
    );
    expect(() => serve('--processes', '2', '--min-spare', '3')).toThrow(
      usage('--min-spare 3: at most --processes (2) children can wait'),
    );
    expect(() => serve('--processes', '4', '--min-spare', '2', '--max-spare', '1')).toThrow(
      usage('--max-spare 1: expected at least --min-spare (2)'),
    );
    expect(() => serve('--processes', '4', '--max-spare=-1')).toThrow(
      usage('--max-spare "-1": expected a whole number of at least 0'),
    );
  });
});

describe('handler modules', () => {
  it('gives the handler as a module reference that threads and processes can import', async () => {
    const loaded = await loadHandlerModule('./echo.mjs', FIXTURES);
    expect(loaded.module).toBe(new URL('echo.mjs', `file://${FIXTURES}`).href);
    expect(loaded.export).toBe('default');
    const named = await loadHandlerModule(`${loaded.module}#default`);
    expect(named.handlerClass).toBe(loaded.handlerClass);
  });
});

describe('strategies', () => {
  it('--async and --threads N', async () => {
    expect(await createStrategy({ name: 'sequential' })).toBeInstanceOf(SequentialStrategy);
    expect(await createStrategy({ name: 'async' })).toBeInstanceOf(AsyncStrategy);
    const threads = await createStrategy({ name: 'threading', count: 3 });
    expect(threads).toBeInstanceOf(ThreadingStrategy);
    expect((threads as ThreadingStrategy).maxWorkers).toBe(3);
  });

  it('--processes N', async () => {
    const processes = await createStrategy({ name: 'forking', count: 2 });
    expect(processes).toBeInstanceOf(ForkingStrategy);
    expect((processes as ForkingStrategy).maxChildren).toBe(2);
    // The choice's own options reach the strategy's validation.
    await expect(
      createStrategy({
        name: 'forking',
        count: 2,
        options: { minSpareChildren: 2, maxSpareChildren: 1 },
      }),
    ).rejects.toMatchObject({ code: 'ERR_SOCKSERVE_INVALID_OPTION' });
    await processes?.close();
  });
});
