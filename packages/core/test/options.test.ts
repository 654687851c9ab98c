/** Option declarations: one declaration gives the check, the default and the composition rules. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../src/index.js';
import {
  type AnyOptionSet,
  ASYNC_STRATEGY_OPTIONS,
  BASE_SERVER_OPTIONS,
  booleanOption,
  CLOSE_TIMEOUT,
  choiceOption,
  composeMixinOptions,
  defineOptions,
  durationOption,
  integerOption,
  splitServerArgs,
  timeoutOption,
} from '../src/kit/index.js';

function thrown(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('ERR_SOCKSERVE_INVALID_OPTION');
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

const TRANSPORT = defineOptions('ToyServer', {
  size: integerOption({ min: 1, max: 10, default: 4, doc: 'how many' }),
  fast: booleanOption({ default: false, doc: 'go fast' }),
  closeTimeout: CLOSE_TIMEOUT,
});
const SERVER = BASE_SERVER_OPTIONS.with('ToyServer', TRANSPORT);
const STRATEGY = defineOptions(
  'ToyStrategy',
  {
    workers: integerOption({ min: 1, default: 2, doc: 'workers' }),
    spare: integerOption({ min: 0, default: 0, doc: 'spare workers' }),
    mode: choiceOption(['a', 'b'], { default: 'a', doc: 'which' }),
    closeTimeout: CLOSE_TIMEOUT,
  },
  ({ workers, spare }) => {
    if (spare > workers) throw new InvalidOptionError('spare', `at most ${workers}`, spare);
  },
);

describe('a declared option', () => {
  it('applies its default, checks type and range, and says what it expected', () => {
    expect(TRANSPORT.resolve({})).toEqual({ size: 4, fast: false, closeTimeout: 30_000 });
    expect(TRANSPORT.resolve({ size: 10, fast: true, closeTimeout: 0 })).toEqual({
      size: 10,
      fast: true,
      closeTimeout: 0,
    });
    expect(thrown(() => TRANSPORT.resolve({ size: 11 })).message).toBe(
      'option "size" must be an integer from 1 to 10; received 11',
    );
    expect(thrown(() => TRANSPORT.resolve({ fast: 1 })).option).toBe('fast');
    const timeout = timeoutOption({ doc: '' });
    expect(timeout.resolve('t', undefined)).toBeNull();
    expect(timeout.resolve('t', null)).toBeNull();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      expect(thrown(() => timeout.resolve('t', bad)).option).toBe('t');
    }
    expect(thrown(() => durationOption({ doc: '' }).resolve('d', null)).message).toBe(
      'option "d" must be a number of milliseconds >= 0; received null',
    );
  });

  it('refuses its own invalidSample (what the walking tests rely on)', () => {
    const sets: AnyOptionSet[] = [SERVER, STRATEGY, ASYNC_STRATEGY_OPTIONS];
    for (const set of sets) {
      for (const name of set.names) {
        const spec = set.specs[name];
        expect(thrown(() => spec?.resolve(name, spec.invalidSample)).message).toBe(
          new InvalidOptionError(name, spec?.expected ?? '', spec?.invalidSample).message,
        );
      }
    }
  });

  it('documents its default for the README tables', () => {
    expect(TRANSPORT.specs.size.defaultText).toBe('`4`');
    expect(ASYNC_STRATEGY_OPTIONS.specs.maxInFlight.defaultText).toBe('no limit');
    expect(STRATEGY.specs.mode.defaultText).toBe("`'a'`");
  });
});

describe('a set of options', () => {
  it('names an unknown option and lists the known ones, base options included', () => {
    expect(thrown(() => SERVER.resolve({ sise: 3 })).message).toBe(
      'unknown option "sise" for ToyServer; known options: bindAndActivate, strategy, timeout, requestTimeout, sharedRequestScope, logger, size, fast, closeTimeout',
    );
    expect(thrown(() => SERVER.resolve(7)).option).toBe('ToyServer');
  });

  it('runs the checks that relate options after every value is checked', () => {
    expect(thrown(() => STRATEGY.resolve({ workers: 2, spare: 3 })).option).toBe('spare');
    expect(thrown(() => STRATEGY.resolve({ workers: 0, spare: 3 })).option).toBe('workers');
  });

  it('refuses an option two parts declare differently, naming it', () => {
    const other = defineOptions('Other', { fast: booleanOption({ default: true, doc: 'x' }) });
    const error = thrown(() => TRANSPORT.with('Both', other));
    expect(error.option).toBe('fast');
    expect(error.message).toBe(
      'option "fast" is declared twice, differently, by ToyServer and Other: rename one',
    );
  });

  it('reads only its own part of a larger bag', () => {
    expect(BASE_SERVER_OPTIONS.read({ size: 99, timeout: 5 }).timeout).toBe(5);
  });
});

describe('a mixin server', () => {
  const mixin = composeMixinOptions('ToyMixIn', SERVER, STRATEGY, { mode: 'toyMode' });
  const address = { host: '127.0.0.1', port: 0 };

  it('lists transport, base and mixin options for a typo', () => {
    expect(thrown(() => splitServerArgs([address, 'H', { worker: 2 }], mixin)).message).toBe(
      'unknown option "worker" for ToyServer with ToyMixIn; known options: bindAndActivate, strategy, timeout, requestTimeout, sharedRequestScope, logger, size, fast, closeTimeout, workers, spare, toyMode',
    );
  });

  it('gives strategy options to the strategy (renamed back), the rest to the server, a shared one to both', () => {
    const split = splitServerArgs(
      [address, 'H', { size: 2, workers: 3, toyMode: 'b', closeTimeout: 5 }],
      mixin,
    );
    expect(split.own).toEqual({ workers: 3, mode: 'b', closeTimeout: 5 });
    expect(split.rest).toEqual({ size: 2, closeTimeout: 5 });
  });

  it('checks every value before splitting', () => {
    expect(thrown(() => splitServerArgs([address, 'H', { toyMode: 'c' }], mixin)).option).toBe(
      'toyMode',
    );
  });

  it('refuses a mixin option given with an explicit strategy instead of dropping it', () => {
    const strategy = { start: async () => {}, close: async () => {} };
    const error = thrown(() => splitServerArgs([address, 'H', { strategy, workers: 3 }], mixin));
    expect(error.option).toBe('workers');
    expect(error.message).toBe(
      'option "workers" configures the strategy ToyMixIn creates, so it can\'t be given with "strategy"; configure that strategy instead',
    );
    // A shared option still configures the server.
    expect(splitServerArgs([address, 'H', { strategy, closeTimeout: 1 }], mixin).rest).toEqual({
      strategy,
      closeTimeout: 1,
    });
  });

  it('refuses to compose a mixin whose option clashes with the server', () => {
    const clash = defineOptions('Clash', { size: integerOption({ min: 0, doc: 'other size' }) });
    expect(thrown(() => composeMixinOptions('ClashMixIn', SERVER, clash)).option).toBe('size');
  });
});
