/**
 * Brands: `SockserveError` and `BaseRequestHandler` are recognised across two loaded copies of
 * `@sockserve/core` (here the source and a copy of the built package in another folder, so
 * each has its own class objects).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as local from '../src/index.js';
import { BaseRequestHandler, InvalidOptionError, SockserveError } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
let copyDir: string;
let copy: typeof local;

beforeAll(async () => {
  // Inside the package folder, so the copy's nearest package.json says "type": "module".
  copyDir = mkdtempSync(join(packageDir, '.brand-copy-'));
  for (const part of ['dist', 'src']) {
    cpSync(join(packageDir, part), join(copyDir, part), { recursive: true });
  }
  copy = await import(pathToFileURL(join(copyDir, 'dist', 'index.js')).href);
});

afterAll(() => rmSync(copyDir, { recursive: true, force: true }));

const address = local.inetAddress('127.0.0.1', 1);

describe('two loaded copies', () => {
  it('are different class objects', () => {
    expect(copy.SockserveError).not.toBe(SockserveError);
    expect(copy.BaseRequestHandler).not.toBe(BaseRequestHandler);
  });

  it('an error from either copy is a SockserveError of both', () => {
    const theirs = new copy.InvalidOptionError('x', 'a y', 1);
    expect(theirs).toBeInstanceOf(SockserveError);
    expect(new InvalidOptionError('x', 'a y', 1)).toBeInstanceOf(copy.SockserveError);
    expect(new Error('x')).not.toBeInstanceOf(SockserveError);
    expect({ code: 'ERR_SOCKSERVE_BIND' }).not.toBeInstanceOf(SockserveError);
    expect(null).not.toBeInstanceOf(SockserveError);
    // Subclasses keep the ordinary prototype test.
    expect(theirs).not.toBeInstanceOf(InvalidOptionError);
    expect(new SockserveError('ERR_SOCKSERVE_BIND', 'x')).not.toBeInstanceOf(InvalidOptionError);
    expect(new InvalidOptionError('x', 'a y', 1)).toBeInstanceOf(InvalidOptionError);
  });

  it('a handler built on either copy is a BaseRequestHandler of both (instance and class)', () => {
    class Theirs extends copy.BaseRequestHandler {}
    class Ours extends BaseRequestHandler {}
    expect(new Theirs(null, address, null)).toBeInstanceOf(BaseRequestHandler);
    expect(Theirs.prototype instanceof BaseRequestHandler).toBe(true);
    expect(new Ours(null, address, null)).toBeInstanceOf(copy.BaseRequestHandler);
    expect(class Plain {}.prototype instanceof BaseRequestHandler).toBe(false);
    expect(Theirs).not.toBeInstanceOf(BaseRequestHandler);
    expect(new Theirs(null, address, null)).not.toBeInstanceOf(Ours);
    expect(new Ours(null, address, null)).toBeInstanceOf(Ours);
  });
});
