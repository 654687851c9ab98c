/**
 * `useCerts(hooks)`: the certificates are made in the `beforeAll` it registers and removed in
 * its `afterAll`; a field read before they exist throws instead of giving `undefined`.
 */
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { useCerts } from '../src/index.js';

it('makes the certificates in beforeAll and removes them in afterAll', async () => {
  const before: Array<() => unknown> = [];
  const after: Array<() => unknown> = [];
  const certs = useCerts({ beforeAll: (fn) => before.push(fn), afterAll: (fn) => after.push(fn) });
  expect(before).toHaveLength(1);
  expect(after).toHaveLength(1);
  expect(() => certs.server).toThrow('the certificates are made in beforeAll');

  for (const fn of before) await fn();
  const dir = certs.dir;
  try {
    expect(certs.server.cert).toContain('BEGIN CERTIFICATE');
    expect(existsSync(certs.ca.certFile)).toBe(true);
    expect(certs.renewed.cert).not.toBe(certs.server.cert);
  } finally {
    for (const fn of after) await fn();
  }
  expect(existsSync(dir)).toBe(false);
});
