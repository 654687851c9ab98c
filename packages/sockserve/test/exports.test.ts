/** The umbrella re-exports every part, so `import { … } from 'sockserve'` finds anything. */
import * as core from '@sockserve/core';
import * as forking from '@sockserve/forking';
import * as stream from '@sockserve/stream';
import * as tcp from '@sockserve/tcp';
import * as threading from '@sockserve/threading';
import * as udp from '@sockserve/udp';
import * as unix from '@sockserve/unix';
import { expect, it } from 'vitest';
import * as sockserve from '../src/index.js';

it.each([
  ['@sockserve/core', core],
  ['@sockserve/stream', stream],
  ['@sockserve/tcp', tcp],
  ['@sockserve/udp', udp],
  ['@sockserve/unix', unix],
  ['@sockserve/threading', threading],
  ['@sockserve/forking', forking],
])('re-exports every export of %s, as the same value', (_name, part) => {
  for (const [name, value] of Object.entries(part)) {
    expect(sockserve, name).toHaveProperty(name);
    expect((sockserve as Record<string, unknown>)[name], name).toBe(value);
  }
});

it('has all twelve of Python predefined classes', () => {
  for (const name of [
    'TCPServer',
    'UDPServer',
    'UnixStreamServer',
    'UnixDatagramServer',
    'ThreadingTCPServer',
    'ThreadingUDPServer',
    'ThreadingUnixStreamServer',
    'ThreadingUnixDatagramServer',
    'ForkingTCPServer',
    'ForkingUDPServer',
    'ForkingUnixStreamServer',
    'ForkingUnixDatagramServer',
  ]) {
    expect(typeof (sockserve as Record<string, unknown>)[name], name).toBe('function');
  }
});
