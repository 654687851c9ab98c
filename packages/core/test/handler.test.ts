import { describe, expect, it } from 'vitest';
import {
  BaseRequestHandler,
  formatAddress,
  HandlerLoadError,
  handlerLocation,
  inetAddress,
  isHandlerClass,
  resolveHandler,
  type SocketAddress,
} from '../src/index.js';
import { checkHandlerSource, runRequestHandler } from '../src/kit/index.js';
import DefaultHandler, { ModuleHandler } from './fixtures/handler-module.js';

const fixtureUrl = new URL('./fixtures/handler-module.ts', import.meta.url);
const client = inetAddress('127.0.0.1', 5000);

class PlainHandler extends BaseRequestHandler {}

describe('handler sources', () => {
  it('isHandlerClass tells a class from a module reference', () => {
    expect(isHandlerClass(PlainHandler)).toBe(true);
    expect(isHandlerClass({ module: fixtureUrl })).toBe(false);
  });

  it('handlerLocation: a class with static module, a class without, and references', () => {
    expect(handlerLocation(ModuleHandler)).toEqual({
      module: fixtureUrl.href,
      export: 'ModuleHandler',
    });
    expect(handlerLocation(PlainHandler)).toBeUndefined();
    expect(handlerLocation({ module: fixtureUrl })).toEqual({
      module: fixtureUrl.href,
      export: 'default',
    });
    expect(handlerLocation({ module: fixtureUrl.href, export: 'ModuleHandler' })).toEqual({
      module: fixtureUrl.href,
      export: 'ModuleHandler',
    });
  });

  it('checkHandlerSource accepts classes and { module } with a string or URL', () => {
    expect(checkHandlerSource(PlainHandler)).toBe(PlainHandler);
    const byUrl = { module: fixtureUrl, export: 'ModuleHandler' };
    expect(checkHandlerSource(byUrl)).toBe(byUrl);
    const byString = { module: fixtureUrl.href };
    expect(checkHandlerSource(byString)).toBe(byString);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'EchoHandler'],
    ['a number', 42],
    ['an empty object', {}],
    ['a numeric module', { module: 42 }],
    ['an instance', new PlainHandler(null, client, null)],
  ])('checkHandlerSource rejects %s with a HandlerLoadError', (_label, value) => {
    expect(() => checkHandlerSource(value)).toThrow(HandlerLoadError);
    try {
      checkHandlerSource(value);
    } catch (error) {
      expect((error as HandlerLoadError).code).toBe('ERR_SOCKSERVE_HANDLER_LOAD');
      expect((error as Error).message).toContain('must be a class or { module, export }');
    }
  });

  it('resolveHandler returns a class as is', async () => {
    expect(await resolveHandler(PlainHandler)).toBe(PlainHandler);
  });

  it('resolveHandler imports a named export and the default export', async () => {
    expect(await resolveHandler({ module: fixtureUrl, export: 'ModuleHandler' })).toBe(
      ModuleHandler,
    );
    expect(await resolveHandler({ module: fixtureUrl.href })).toBe(DefaultHandler);
  });

  it('resolveHandler: a missing or non-class export is a HandlerLoadError listing the exports', async () => {
    for (const name of ['Missing', 'notAHandler']) {
      const error = await resolveHandler({ module: fixtureUrl, export: name }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HandlerLoadError);
      expect((error as HandlerLoadError).code).toBe('ERR_SOCKSERVE_HANDLER_LOAD');
      expect((error as Error).message).toContain(`no handler class exported as "${name}"`);
      expect((error as Error).message).toContain('ModuleHandler');
      expect((error as Error).message).toContain('notAHandler');
    }
  });

  it('resolveHandler: a module that cannot be imported is a HandlerLoadError with the cause', async () => {
    const missing = new URL('./fixtures/no-such-module.ts', import.meta.url);
    const error = await resolveHandler({ module: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerLoadError);
    expect((error as Error).message).toBe(
      `cannot import handler module ${missing.href}: ${firstLineOf((error as Error).cause)}`,
    );
    expect((error as Error).message).toContain('Cannot find module');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('runRequestHandler', () => {
  function recordingHandler(log: string[], fail: { setup?: Error; handle?: Error }) {
    return class Recording extends BaseRequestHandler<string, string> {
      constructor(request: string, clientAddress: SocketAddress, server: string) {
        super(request, clientAddress, server);
        log.push(`new ${request} ${formatAddress(clientAddress)} ${server}`);
      }
      override async setup() {
        log.push('setup');
        if (fail.setup) throw fail.setup;
      }
      override handle() {
        log.push('handle');
        if (fail.handle) throw fail.handle;
      }
      override async finish() {
        log.push('finish');
      }
    };
  }

  it('constructs with (request, clientAddress, server) then runs setup, handle, finish', async () => {
    const log: string[] = [];
    await runRequestHandler(recordingHandler(log, {}), 'req', client, 'srv');
    expect(log).toEqual(['new req 127.0.0.1:5000 srv', 'setup', 'handle', 'finish']);
  });

  it('runs finish() when handle() throws, and rethrows the same error', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const Handler = recordingHandler(log, { handle: boom });
    await expect(runRequestHandler(Handler, 'req', client, 'srv')).rejects.toBe(boom);
    expect(log).toEqual(['new req 127.0.0.1:5000 srv', 'setup', 'handle', 'finish']);
  });

  it('skips handle() and finish() when setup() throws', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const Handler = recordingHandler(log, { setup: boom });
    await expect(runRequestHandler(Handler, 'req', client, 'srv')).rejects.toBe(boom);
    expect(log).toEqual(['new req 127.0.0.1:5000 srv', 'setup']);
  });

  it('BaseRequestHandler keeps request, clientAddress and server and does nothing', async () => {
    const handler = new BaseRequestHandler('req', client, 'srv');
    expect(handler.request).toBe('req');
    expect(handler.clientAddress).toBe(client);
    expect(handler.server).toBe('srv');
    expect(handler.setup()).toBeUndefined();
    expect(handler.handle()).toBeUndefined();
    expect(handler.finish()).toBeUndefined();
  });
});

/** `Name: message` of an error, first line only (what a HandlerLoadError message quotes). */
function firstLineOf(error: unknown): string {
  return `${(error as Error).name}: ${(error as Error).message}`.split('\n', 1)[0] as string;
}
