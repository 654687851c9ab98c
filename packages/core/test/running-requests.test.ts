/**
 * RunningRequests: the pipeline's list of requests begun and not yet released, threaded
 * through the entries (no Map). Found newest first; removing one twice is a no-op; `values()`
 * is a copy that a caller may change the list under.
 */
import { describe, expect, it } from 'vitest';
import { type Listed, RunningRequests } from '../src/running-requests.js';

function entry(request: string): Listed<string> {
  return { request, older: undefined, newer: undefined };
}

describe('RunningRequests', () => {
  it('adds, finds and removes in any order, counting what is listed', () => {
    const list = new RunningRequests<Listed<string>>();
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    list.add(a);
    list.add(b);
    list.add(c);
    expect(list.size).toBe(3);
    expect(list.values().map((e) => e.request)).toEqual(['a', 'b', 'c']);
    expect(list.find('b')).toBe(b);

    expect(list.remove(b)).toBe(true);
    expect(list.remove(b)).toBe(false);
    expect(list.find('b')).toBeUndefined();
    expect(list.values().map((e) => e.request)).toEqual(['a', 'c']);

    expect(list.remove(c)).toBe(true);
    expect(list.remove(a)).toBe(true);
    expect(list.size).toBe(0);
    expect(list.values()).toEqual([]);
    expect(list.find('a')).toBeUndefined();

    // Listed again after removal: at the end.
    list.add(a);
    list.add(c);
    expect(list.values().map((e) => e.request)).toEqual(['a', 'c']);
    expect(list.remove(b)).toBe(false);
    expect(list.size).toBe(2);
  });

  it('tells a listed entry from one never listed or already removed, the only one included', () => {
    const list = new RunningRequests<Listed<string>>();
    const only = entry('only');
    expect(list.remove(only)).toBe(false);
    list.add(only);
    expect(list.remove(entry('stranger'))).toBe(false);
    expect(list.size).toBe(1);
    expect(list.remove(only)).toBe(true);
    expect(list.remove(only)).toBe(false);
    expect(list.size).toBe(0);
  });

  it('finds the newest entry of a request begun twice, then the older one once that ends', () => {
    const list = new RunningRequests<Listed<string>>();
    const first = entry('same');
    const second = entry('same');
    list.add(first);
    list.add(entry('other'));
    list.add(second);
    expect(list.find('same')).toBe(second);
    list.remove(second);
    expect(list.find('same')).toBe(first);
  });

  it('values() is a copy: removing while iterating it visits every entry once', () => {
    const list = new RunningRequests<Listed<string>>();
    const entries = ['a', 'b', 'c', 'd'].map(entry);
    for (const e of entries) list.add(e);
    const visited: string[] = [];
    for (const e of list.values()) {
      visited.push(e.request);
      list.remove(e);
    }
    expect(visited).toEqual(['a', 'b', 'c', 'd']);
    expect(list.size).toBe(0);
  });
});
