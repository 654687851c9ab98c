/**
 * Parses one input whole, byte by byte, and in two halves at every split point, and checks
 * the outcomes agree: the same header and rest, or the same error (reason and offset). The
 * incremental parser's one promise, checked on every fixture.
 */
import { expect } from 'vitest';
import {
  type ProxyHeader,
  ProxyHeaderParser,
  type ProxyHeaderParserOptions,
  ProxyProtocolError,
} from '../../src/index.js';

/** The outcome of feeding an input and then ending the stream. */
export type Outcome =
  | { readonly ok: true; readonly header: ProxyHeader; readonly rest: Buffer }
  | { readonly ok: false; readonly reason: string; readonly offset: number };

/** Feeds `chunks` to a fresh parser, then `end()`s it; any error must be a ProxyProtocolError. */
export function feed(chunks: readonly Uint8Array[], options?: ProxyHeaderParserOptions): Outcome {
  const parser = new ProxyHeaderParser(options);
  const rests: Buffer[] = [];
  let header: ProxyHeader | undefined;
  try {
    for (const chunk of chunks) {
      const result = parser.push(chunk);
      if (result.done) {
        header = result.header;
        rests.push(result.rest);
      }
    }
    header = parser.end();
    return { ok: true, header, rest: Buffer.concat(rests) };
  } catch (error) {
    if (!(error instanceof ProxyProtocolError)) throw error;
    expect(error.code).toBe('ERR_SOCKSERVE_PROXY_HEADER');
    return { ok: false, reason: error.reason, offset: error.offset };
  }
}

/** Splits `bytes` into single bytes. */
export function bytewise(bytes: Uint8Array): Buffer[] {
  return Array.from(bytes, (b) => Buffer.from([b]));
}

/** Parses `bytes` whole, byte by byte and split at every offset; returns the common outcome. */
export function parseEveryWay(bytes: Uint8Array, options?: ProxyHeaderParserOptions): Outcome {
  const whole = feed([bytes], options);
  expect(feed(bytewise(bytes), options)).toEqual(whole);
  for (let cut = 1; cut < bytes.length; cut++) {
    expect(feed([bytes.subarray(0, cut), bytes.subarray(cut)], options)).toEqual(whole);
  }
  return whole;
}
