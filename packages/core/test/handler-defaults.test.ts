/**
 * Handler defaults that travel to runners (`RunnerInit.handlerDefaults`, issue 20): read from
 * the class the server's process has, written in the runner on the class that declares the
 * default, so a subclass's own value still wins.
 */
import { describe, expect, it } from 'vitest';
import { BaseRequestHandler } from '../src/index.js';
import { applyHandlerDefaults, readHandlerDefaults } from '../src/remote/index.js';

/** Stands in for a fresh copy of StreamRequestHandler loaded by a runner. */
function freshBase() {
  class Base extends BaseRequestHandler {
    declare idleTimeout: number | null;
    declare firstByteTimeout: number | null;
  }
  Base.prototype.idleTimeout = null;
  Base.prototype.firstByteTimeout = null;
  return Base;
}

describe('readHandlerDefaults', () => {
  it('reads the deadlines a class shows (ms or null), nothing else', () => {
    const Base = freshBase();
    Base.prototype.idleTimeout = 30_000;
    class Handler extends Base {}
    expect(readHandlerDefaults(Handler)).toEqual({ idleTimeout: 30_000, firstByteTimeout: null });
  });

  it('a module reference gives nothing (the server process does not import it for this)', () => {
    expect(readHandlerDefaults({ module: 'file:///nowhere.mjs', export: 'H' })).toEqual({});
  });
});

describe('applyHandlerDefaults', () => {
  it('writes on the class that declares the default; a subclass of it sees the value', () => {
    const Base = freshBase();
    class Handler extends Base {}
    applyHandlerDefaults(Handler, { idleTimeout: 30_000, firstByteTimeout: 10_000 });
    expect(Object.hasOwn(Handler.prototype, 'idleTimeout')).toBe(false);
    expect(Base.prototype).toMatchObject({ idleTimeout: 30_000, firstByteTimeout: 10_000 });
    expect(new Handler(undefined, undefined as never, undefined)).toMatchObject({
      idleTimeout: 30_000,
    });
  });

  it("a subclass's own value wins: its prototype and its class fields", () => {
    const Base = freshBase();
    class OwnPrototype extends Base {}
    OwnPrototype.prototype.idleTimeout = 5_000;
    class OwnField extends Base {
      override firstByteTimeout = 1_000;
    }
    applyHandlerDefaults(OwnPrototype, { idleTimeout: 30_000 });
    applyHandlerDefaults(OwnField, { firstByteTimeout: 10_000 });
    expect(OwnPrototype.prototype.idleTimeout).toBe(5_000);
    expect(new OwnField(undefined, undefined as never, undefined).firstByteTimeout).toBe(1_000);
  });

  it('leaves a handler without the attributes alone, and ignores values that are not deadlines', () => {
    class Plain extends BaseRequestHandler {}
    applyHandlerDefaults(Plain, { idleTimeout: 30_000 });
    expect('idleTimeout' in Plain.prototype).toBe(false);
    const Base = freshBase();
    applyHandlerDefaults(Base, { idleTimeout: -1, firstByteTimeout: Number.NaN });
    expect(Base.prototype).toMatchObject({ idleTimeout: null, firstByteTimeout: null });
  });
});
