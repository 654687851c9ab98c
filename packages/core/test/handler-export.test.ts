/** Choosing a module's handler class (`pickHandlerExport`), as the command does for `MODULE[#Export]`. */
import { describe, expect, it } from 'vitest';
import { BaseRequestHandler, HandlerLoadError } from '../src/index.js';
import { extendsBaseRequestHandler, pickHandlerExport } from '../src/kit/index.js';

class One extends BaseRequestHandler {}
class Two extends BaseRequestHandler {}

function refusal(namespace: Record<string, unknown>, wanted?: string): HandlerLoadError {
  try {
    pickHandlerExport(namespace, wanted, './h.mjs');
  } catch (error) {
    expect(error).toBeInstanceOf(HandlerLoadError);
    expect((error as HandlerLoadError).code).toBe('ERR_SOCKSERVE_HANDLER_LOAD');
    return error as HandlerLoadError;
  }
  throw new Error('expected a HandlerLoadError');
}

describe('pickHandlerExport', () => {
  it('takes the named export, else the default, else the one BaseRequestHandler subclass', () => {
    expect(pickHandlerExport({ One, Two }, 'Two', './h.mjs')).toBe('Two');
    expect(pickHandlerExport({ default: One, Two }, undefined, './h.mjs')).toBe('default');
    expect(pickHandlerExport({ One, answer: 42 }, undefined, './h.mjs')).toBe('One');
  });

  it('names what is wrong and lists what is there', () => {
    expect(refusal({ One, answer: 42 }, 'Nope').message).toBe(
      './h.mjs has no export named "Nope" (exports: One, answer)',
    );
    expect(refusal({ answer: 42 }, 'answer').message).toBe(
      'export "answer" of ./h.mjs is not a request handler class (a class with a handle() method)',
    );
    expect(refusal({ One, Two }).message).toBe(
      './h.mjs exports several request handler classes (One, Two); choose one: ./h.mjs#One',
    );
    expect(refusal({}).message).toBe(
      './h.mjs has no request handler: no default export and no exported class extending BaseRequestHandler (exports: none)',
    );
  });

  it('extendsBaseRequestHandler excludes the base itself and non-classes', () => {
    expect(extendsBaseRequestHandler(One)).toBe(true);
    expect(extendsBaseRequestHandler(BaseRequestHandler)).toBe(false);
    expect(extendsBaseRequestHandler(() => {})).toBe(false);
    expect(extendsBaseRequestHandler(class {})).toBe(false);
  });
});
