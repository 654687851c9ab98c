import { describe, expect, it } from 'vitest';
import {
  formatAddress,
  InvalidOptionError,
  inetAddress,
  parseInetAddress,
  unixAddress,
} from '../src/index.js';

function invalidOption(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('parseInetAddress', () => {
  it('accepts { host, port } and [host, port]', () => {
    expect(parseInetAddress({ host: '127.0.0.1', port: 8000 })).toEqual({
      host: '127.0.0.1',
      port: 8000,
    });
    expect(parseInetAddress(['::1', 0])).toEqual({ host: '::1', port: 0 });
    expect(parseInetAddress({ host: 'localhost', port: 65535 })).toEqual({
      host: 'localhost',
      port: 65535,
    });
  });

  it('strips the brackets of Python-style IPv6 literals', () => {
    expect(parseInetAddress({ host: '[::1]', port: 80 })).toEqual({ host: '::1', port: 80 });
    expect(parseInetAddress(['[fe80::1]', 80])).toEqual({ host: 'fe80::1', port: 80 });
  });

  it("treats a missing host as '' (every interface)", () => {
    expect(parseInetAddress({ port: 80 })).toEqual({ host: '', port: 80 });
    expect(parseInetAddress({ host: '', port: 80 })).toEqual({ host: '', port: 80 });
  });

  it.each([
    ['-1', -1],
    ['65536', 65536],
    ['1.5', 1.5],
    ['"80"', '80'],
    ['NaN', Number.NaN],
    ['undefined', undefined],
  ])('rejects port %s naming serverAddress.port', (_label, port) => {
    const error = invalidOption(() => parseInetAddress({ host: '127.0.0.1', port }));
    expect(error.code).toBe('ERR_SOCKSERVE_INVALID_OPTION');
    expect(error.option).toBe('serverAddress.port');
    expect(error.message).toContain('serverAddress.port');
    expect(error.message).toContain('0 to 65535');
  });

  it('names the option the caller passes', () => {
    const error = invalidOption(() => parseInetAddress(['127.0.0.1', -1], 'connectTo'));
    expect(error.option).toBe('connectTo.port');
    expect(error.message).toMatch(/^option "connectTo\.port" must be .*; received -1$/);
  });

  it('rejects a non-string host naming serverAddress.host', () => {
    const error = invalidOption(() => parseInetAddress({ host: 127, port: 80 }));
    expect(error.option).toBe('serverAddress.host');
    expect(error.message).toContain('received 127');
  });

  it.each([
    ['a string', '127.0.0.1:80'],
    ['a number', 80],
    ['null', null],
    ['undefined', undefined],
  ])('rejects %s as a whole address naming serverAddress', (_label, input) => {
    const error = invalidOption(() => parseInetAddress(input));
    expect(error.option).toBe('serverAddress');
    expect(error.message).toContain('{ host, port } or [host, port]');
  });

  it.each([
    ['empty', []],
    ['one element', ['127.0.0.1']],
    ['three elements', ['127.0.0.1', 80, 1]],
  ])('rejects a tuple that is %s', (_label, input) => {
    const error = invalidOption(() => parseInetAddress(input));
    expect(error.option).toBe('serverAddress');
    expect(error.message).toContain('[host, port] pair');
    expect(error.message).toContain('received an array');
  });
});

describe('inetAddress and unixAddress', () => {
  it('builds frozen addresses with the family from the host', () => {
    const v4 = inetAddress('127.0.0.1', 8000);
    expect(v4).toEqual({ family: 'IPv4', host: '127.0.0.1', port: 8000 });
    expect(Object.isFrozen(v4)).toBe(true);
    expect(inetAddress('::1', 1)).toEqual({ family: 'IPv6', host: '::1', port: 1 });
    expect(inetAddress(undefined, undefined)).toEqual({ family: 'IPv4', host: '', port: 0 });
    // What Node reports for IPv4-mapped and scoped IPv6 peers is IPv6 too.
    expect(inetAddress('::ffff:127.0.0.1', 2).family).toBe('IPv6');
    expect(inetAddress('fe80::1%lo', 3).family).toBe('IPv6');
    const unix = unixAddress('/run/app.sock');
    expect(unix).toEqual({ family: 'unix', path: '/run/app.sock' });
    expect(Object.isFrozen(unix)).toBe(true);
  });
});

describe('formatAddress', () => {
  it('formats IPv4 as host:port', () => {
    expect(formatAddress(inetAddress('127.0.0.1', 8000))).toBe('127.0.0.1:8000');
    expect(formatAddress({ host: 'localhost', port: 80 })).toBe('localhost:80');
  });

  it('brackets IPv6 hosts', () => {
    expect(formatAddress(inetAddress('::1', 8000))).toBe('[::1]:8000');
    expect(formatAddress({ host: '::', port: 0 })).toBe('[::]:0');
    expect(formatAddress(inetAddress('::ffff:127.0.0.1', 5))).toBe('[::ffff:127.0.0.1]:5');
  });

  it("writes '' (every interface) as *", () => {
    expect(formatAddress({ host: '', port: 8000 })).toBe('*:8000');
    expect(formatAddress(parseInetAddress({ port: 0 }))).toBe('*:0');
  });

  it('formats Unix paths, abstract names and unbound sockets', () => {
    expect(formatAddress(unixAddress('/run/app.sock'))).toBe('/run/app.sock');
    expect(formatAddress(unixAddress('\0name'))).toBe('@name');
    expect(formatAddress(unixAddress(''))).toBe('(unbound)');
  });
});
