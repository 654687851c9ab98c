/**
 * The answers of the threading and forking tests' `UpperLineHandler` fixture (a
 * `LineRequestHandler` subclass each package declares at module level, with `static module`, so
 * a worker thread or a child process can load it): the two differ only in who answers.
 */
import type { Buffer } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * The reply to `line`: the line upper-cased and `who` (a worker's name, a child's pid);
 * `later <word>` answers one turn later (an `async` reply); `hold` starts a reply that settles
 * only when the request's signal (`signal()`, read only then: a handler's `signal` getter makes
 * its AbortController on first use) aborts — rejected with its reason — so a close finds the
 * handler mid-line.
 */
export function upperLineReply(
  line: Buffer,
  who: string | number,
  requestSignal: () => AbortSignal,
): string | Promise<string> {
  const text = line.toString().trimEnd();
  if (text === 'hold') {
    const signal = requestSignal();
    return new Promise<string>((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
  if (text.startsWith('later ')) return later(text.slice(6), who);
  return `${text.toUpperCase()} ${who}\n`;
}

async function later(word: string, who: string | number): Promise<string> {
  await nextTurn();
  return `${word.toUpperCase()} later ${who}\n`;
}
