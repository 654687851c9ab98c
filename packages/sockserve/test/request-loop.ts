/**
 * A connection-per-request load for restart and drain tests: `concurrency` loops, each
 * connecting, sending one line, reading the one-line answer (the pid of the process that
 * served it, from fixtures/pid.mjs) and closing, until stopped. Every error or empty answer
 * is a failed request, kept with its reason.
 */
import { connect } from 'node:net';

/** What the load saw. */
export interface LoadResult {
  readonly ok: number;
  readonly failed: string[];
  /** Requests answered, by the pid that answered. */
  readonly byPid: ReadonlyMap<string, number>;
}

/** One request: connect, send a line, read one line. Rejects on any error or an empty answer. */
export function oneRequest(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('x\n'));
    socket.on('data', (text: string) => {
      answer += text;
      if (answer.includes('\n')) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () =>
      answer.endsWith('\n')
        ? resolve(answer.trim())
        : reject(new Error(`answer ${JSON.stringify(answer)}`)),
    );
  });
}

/** A running load; see the module comment. */
export class RequestLoop {
  #ok = 0;
  readonly #failed: string[] = [];
  readonly #byPid = new Map<string, number>();
  #stopped = false;
  readonly #loops: Promise<void>[];
  #waiters: Array<() => void> = [];

  constructor(port: number, concurrency: number, host = '127.0.0.1') {
    this.#loops = Array.from({ length: concurrency }, () => this.#loop(port, host));
  }

  /** Requests answered so far. */
  get ok(): number {
    return this.#ok;
  }

  /** Resolves once `count` more requests were answered than now (or at once if stopped). */
  async more(count: number): Promise<void> {
    const target = this.#ok + count;
    while (this.#ok < target && !this.#stopped) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Stops every loop after its request in hand and resolves with what the load saw. */
  async stop(): Promise<LoadResult> {
    this.#stopped = true;
    this.#wake();
    await Promise.all(this.#loops);
    return { ok: this.#ok, failed: this.#failed, byPid: this.#byPid };
  }

  async #loop(port: number, host: string): Promise<void> {
    while (!this.#stopped) {
      try {
        const pid = await oneRequest(port, host);
        this.#ok += 1;
        this.#byPid.set(pid, (this.#byPid.get(pid) ?? 0) + 1);
      } catch (error) {
        this.#failed.push(String(error));
      }
      this.#wake();
    }
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
