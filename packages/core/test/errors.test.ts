import { describe, expect, it } from 'vitest';
import {
  BindError,
  HandlerLoadError,
  InvalidOptionError,
  ServerExit,
  ServerStateError,
  SockserveError,
  systemCode,
  UnsupportedError,
} from '../src/index.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalTimeout,
  rejectUnknownOptions,
} from '../src/kit/index.js';

describe('error classes', () => {
  it.each([
    ['InvalidOptionError', new InvalidOptionError('x', 'a y', 1), 'ERR_SOCKSERVE_INVALID_OPTION'],
    ['UnsupportedError', new UnsupportedError('no'), 'ERR_SOCKSERVE_UNSUPPORTED'],
    ['BindError', new BindError('127.0.0.1:80', new Error('boom')), 'ERR_SOCKSERVE_BIND'],
    ['ServerStateError', new ServerStateError('state'), 'ERR_SOCKSERVE_SERVER_STATE'],
    ['HandlerLoadError', new HandlerLoadError('load'), 'ERR_SOCKSERVE_HANDLER_LOAD'],
    ['ServerExit', new ServerExit(), 'ERR_SOCKSERVE_SERVER_EXIT'],
  ])('%s has its name and stable code', (name, error, code) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(SockserveError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.stack?.startsWith(`${name}: `)).toBe(true);
  });

  it('SockserveError takes a code, a message and a cause', () => {
    const cause = new Error('inner');
    const error = new SockserveError('ERR_SOCKSERVE_STREAM_CLOSED', 'closed', { cause });
    expect(error.name).toBe('SockserveError');
    expect(error.code).toBe('ERR_SOCKSERVE_STREAM_CLOSED');
    expect(error.message).toBe('closed');
    expect(error.cause).toBe(cause);
  });

  it('a subclass of a subclass is named after itself', () => {
    class MyStateError extends ServerStateError {}
    const error = new MyStateError('mine');
    expect(error.name).toBe('MyStateError');
    expect(error.code).toBe('ERR_SOCKSERVE_SERVER_STATE');
  });

  it('BindError carries the address, the system code and the cause', () => {
    const cause = Object.assign(new Error('listen EADDRINUSE: address already in use'), {
      code: 'EADDRINUSE',
    });
    const error = new BindError('127.0.0.1:8000', cause);
    expect(error.address).toBe('127.0.0.1:8000');
    expect(error.syscallCode).toBe('EADDRINUSE');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'cannot bind 127.0.0.1:8000: listen EADDRINUSE: address already in use',
    );
  });

  it('BindError with a cause that is not an Error has no system code', () => {
    const error = new BindError('/run/app.sock', 'gone');
    expect(error.syscallCode).toBeUndefined();
    expect(error.cause).toBe('gone');
    expect(error.message).toBe('cannot bind /run/app.sock: gone');
  });

  it('HandlerLoadError and ServerExit keep their cause; ServerExit has a default message', () => {
    const cause = new Error('inner');
    expect(new HandlerLoadError('load', { cause }).cause).toBe(cause);
    expect(new ServerExit().message).toBe('server exit requested by a handler');
    const exit = new ServerExit('bye', { cause });
    expect(exit.message).toBe('bye');
    expect(exit.cause).toBe(cause);
  });

  it('InvalidOptionError names the option, what was expected and what came', () => {
    const cases: Array<[unknown, string]> = [
      ['8', '"8"'],
      [1.5, '1.5'],
      [null, 'null'],
      [undefined, 'undefined'],
      [true, 'true'],
      [[1], 'an array'],
      [{ a: 1 }, 'an object'],
      [function named() {}, 'function named'],
      [() => {}, 'function (anonymous)'],
    ];
    for (const [received, shown] of cases) {
      const error = new InvalidOptionError('requestQueueSize', 'an integer >= 1', received);
      expect(error.option).toBe('requestQueueSize');
      expect(error.message).toBe(
        `option "requestQueueSize" must be an integer >= 1; received ${shown}`,
      );
    }
  });

  it('InvalidOptionError.unknown names the unknown option, where, and the known ones', () => {
    const error = InvalidOptionError.unknown('noDelays', 'TCPServer', ['noDelay', 'keepAlive']);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error.code).toBe('ERR_SOCKSERVE_INVALID_OPTION');
    expect(error.option).toBe('noDelays');
    expect(error.message).toBe(
      'unknown option "noDelays" for TCPServer; known options: noDelay, keepAlive',
    );
    expect(error.stack?.split('\n')[0]).toBe(`InvalidOptionError: ${error.message}`);
  });

  it('systemCode reads a string code only', () => {
    expect(systemCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(systemCode({ code: 'EPIPE' })).toBe('EPIPE');
    expect(systemCode({ code: 42 })).toBeUndefined();
    expect(systemCode(new Error('x'))).toBeUndefined();
    expect(systemCode(null)).toBeUndefined();
    expect(systemCode('EADDRINUSE')).toBeUndefined();
  });
});

describe('option validation helpers', () => {
  function optionOf(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      return (error as InvalidOptionError).option;
    }
    throw new Error('expected an InvalidOptionError');
  }

  it('optionalInteger checks type and range', () => {
    expect(optionalInteger('n', undefined, 1)).toBeUndefined();
    expect(optionalInteger('n', 1, 1)).toBe(1);
    expect(optionalInteger('n', 10, 0, 10)).toBe(10);
    expect(optionOf(() => optionalInteger('n', 0, 1))).toBe('n');
    expect(optionOf(() => optionalInteger('n', 11, 0, 10))).toBe('n');
    expect(optionOf(() => optionalInteger('n', 1.5, 0))).toBe('n');
    expect(optionOf(() => optionalInteger('n', '2', 0))).toBe('n');
    expect(optionOf(() => optionalInteger('n', null, 0))).toBe('n');
    expect(() => optionalInteger('n', 0, 1)).toThrow('option "n" must be an integer >= 1');
    expect(() => optionalInteger('n', 11, 0, 10)).toThrow('an integer from 0 to 10');
  });

  it('optionalTimeout accepts finite non-negative numbers and null', () => {
    expect(optionalTimeout('t', undefined)).toBeUndefined();
    expect(optionalTimeout('t', null)).toBeNull();
    expect(optionalTimeout('t', 0)).toBe(0);
    expect(optionalTimeout('t', 2.5)).toBe(2.5);
    for (const bad of [-1, Number.POSITIVE_INFINITY, Number.NaN, '5', true]) {
      expect(optionOf(() => optionalTimeout('t', bad))).toBe('t');
    }
  });

  it('optionalBoolean accepts booleans only', () => {
    expect(optionalBoolean('b', undefined)).toBeUndefined();
    expect(optionalBoolean('b', false)).toBe(false);
    expect(optionOf(() => optionalBoolean('b', 'true'))).toBe('b');
    expect(optionOf(() => optionalBoolean('b', 1))).toBe('b');
  });

  it('rejectUnknownOptions rejects typos and non-objects', () => {
    expect(() => rejectUnknownOptions('Thing', undefined, ['a'])).not.toThrow();
    expect(() => rejectUnknownOptions('Thing', { a: 1 }, ['a', 'b'])).not.toThrow();
    expect(() => rejectUnknownOptions('Thing', { a: 1, c: 2 }, ['a', 'b'])).toThrow(
      'unknown option "c" for Thing; known options: a, b',
    );
    expect(optionOf(() => rejectUnknownOptions('Thing', null as unknown as object, ['a']))).toBe(
      'Thing',
    );
  });
});
