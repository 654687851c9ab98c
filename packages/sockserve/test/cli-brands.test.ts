/**
 * The command recognises handler classes by brand, not by class name: a handler built on
 * another loaded copy of `@sockserve/core` or `@sockserve/stream` (a copy of the built package
 * in another folder) is found and checked, and a class merely named like one is not.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BaseRequestHandler } from '@sockserve/core';
import { extendsBaseRequestHandler } from '@sockserve/core/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHandlerFits } from '../src/cli/handler-module.js';
import { UsageError } from '../src/cli/usage-error.js';

const packages = fileURLToPath(new URL('../..', import.meta.url));
const copies: string[] = [];

/** Imports a copy of `pkg`'s built `dist`, made inside the package folder (its package.json and node_modules apply). */
async function loadCopy(pkg: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(packages, pkg, '.brand-copy-'));
  copies.push(dir);
  for (const part of ['dist', 'src']) {
    cpSync(join(packages, pkg, part), join(dir, part), { recursive: true });
  }
  return import(pathToFileURL(join(dir, 'dist', 'index.js')).href);
}

type HandlerBase = new (...args: never[]) => object;
let core: { BaseRequestHandler: HandlerBase };
let stream: { StreamRequestHandler: HandlerBase; DatagramRequestHandler: HandlerBase };

beforeAll(async () => {
  core = (await loadCopy('core')) as typeof core;
  stream = (await loadCopy('stream')) as typeof stream;
});

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function loaded(handlerClass: Function) {
  return { module: 'file:///h.mjs', export: handlerClass.name, handlerClass };
}

describe('handler classes from another copy', () => {
  it('extendsBaseRequestHandler: subclasses of any copy, not the base itself, not a namesake', () => {
    class Theirs extends core.BaseRequestHandler {}
    class Deeper extends Theirs {}
    expect(core.BaseRequestHandler).not.toBe(BaseRequestHandler);
    expect(extendsBaseRequestHandler(Theirs)).toBe(true);
    expect(extendsBaseRequestHandler(Deeper)).toBe(true);
    expect(extendsBaseRequestHandler(class extends BaseRequestHandler {})).toBe(true);
    expect(extendsBaseRequestHandler(BaseRequestHandler)).toBe(false);
    expect(extendsBaseRequestHandler(core.BaseRequestHandler)).toBe(false);
    const Namesake = { BaseRequestHandler: class {} }.BaseRequestHandler;
    expect(extendsBaseRequestHandler(class extends Namesake {})).toBe(false);
    expect(extendsBaseRequestHandler(() => {})).toBe(false);
  });

  it('checkHandlerFits: a stream handler of another copy is refused on a datagram transport', () => {
    class Echo extends stream.StreamRequestHandler {}
    class Reply extends stream.DatagramRequestHandler {}
    expect(() => checkHandlerFits(loaded(Echo), 'udp', 'h.mjs')).toThrow(
      new UsageError('Echo (h.mjs) is a StreamRequestHandler: serve it with --tcp or --unix'),
    );
    expect(() => checkHandlerFits(loaded(Reply), 'tcp', 'h.mjs')).toThrow(
      new UsageError(
        'Reply (h.mjs) is a DatagramRequestHandler: serve it with --udp or --unix-dgram',
      ),
    );
    expect(() => checkHandlerFits(loaded(Echo), 'unix', 'h.mjs')).not.toThrow();
    expect(() => checkHandlerFits(loaded(Reply), 'unix-dgram', 'h.mjs')).not.toThrow();
    const StreamRequestHandler = class {};
    class Namesake extends StreamRequestHandler {}
    expect(() => checkHandlerFits(loaded(Namesake), 'udp', 'h.mjs')).not.toThrow();
  });
});
