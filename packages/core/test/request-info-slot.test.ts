/**
 * `attachRequestInfo` writes a request's facts into its slot without asking
 * `Object.isExtensible` first: an object that cannot take the slot (frozen, non-extensible,
 * sealed before any facts) must still have them recorded, in the side map, and merged.
 */
import { expect, it } from 'vitest';
import { attachRequestInfo, requestInfo } from '../src/index.js';

it('records facts on an ordinary object, in a slot invisible to Object.keys', () => {
  const request = {};
  attachRequestInfo(request, { proxy: 1 });
  expect(requestInfo(request)).toEqual({ proxy: 1 });
  expect(Object.keys(request)).toEqual([]);
});

it.each([
  ['frozen', (o: object) => Object.freeze(o)],
  ['sealed', (o: object) => Object.seal(o)],
  ['not extensible', (o: object) => Object.preventExtensions(o)],
])('records facts on a %s object without throwing, and merges later ones', (_name, lock) => {
  const request = lock({ a: 1 });
  expect(() => attachRequestInfo(request, { proxy: 'header' })).not.toThrow();
  expect(requestInfo(request)).toEqual({ proxy: 'header' });
  attachRequestInfo(request, { tls: true });
  expect(requestInfo(request)).toEqual({ proxy: 'header', tls: true });
  expect(Object.getOwnPropertySymbols(request)).toEqual([]);
});

it('a slot written before the object was frozen is still read, and later facts merge', () => {
  const request = {};
  attachRequestInfo(request, { proxy: 'header' });
  Object.freeze(request);
  attachRequestInfo(request, { tls: true });
  expect(requestInfo(request)).toEqual({ proxy: 'header', tls: true });
});
