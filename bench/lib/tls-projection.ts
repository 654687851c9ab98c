/**
 * The TLS bench's derived figures: threading-2's handshake capacity ÷ async's, from the server
 * CPU each thread kind spends per handshake (main, worker threads, helpers = V8's GC/compiler
 * threads and libuv's pool), as on machines where the client runs on cores of its own — which
 * a 2-core machine shared with the client can't show (issue 16). Derived, not measured.
 */

/** Server CPU µs per handshake by thread kind (medians of the rounds). */
export interface HandshakeCpu {
  readonly main: number;
  readonly workers: number;
  readonly helpers: number;
}

/**
 * With a core for every server thread (3 for threading-2: main + 2 workers): async is bound
 * by its one thread (main + helpers), threading-2 by the busier of its main thread and its 2
 * workers (their CPU ÷ 2), each with its share of the helpers.
 */
export function projectedOnCorePerThread(async: HandshakeCpu, threading: HandshakeCpu): number {
  const asyncPerHandshake = async.main + async.helpers;
  const threadingPerHandshake = Math.max(
    threading.main + threading.helpers / 3,
    (threading.workers + (threading.helpers * 2) / 3) / 2,
  );
  return round(asyncPerHandshake / threadingPerHandshake);
}

/**
 * With 2 cores for the server and the client elsewhere: async as above (one thread, the helpers
 * on the other core); threading-2 by its total CPU over 2 cores, or by one of its threads if
 * that is busier. The bar for ≥ 1.6 here: threading's total CPU per handshake ≤ 1.25× async's.
 */
export function projectedOnTwoCores(async: HandshakeCpu, threading: HandshakeCpu): number {
  const asyncPerHandshake = async.main + async.helpers;
  const total = threading.main + threading.workers + threading.helpers;
  const threadingPerHandshake = Math.max(
    total / 2,
    threading.main + threading.helpers / 3,
    (threading.workers + (threading.helpers * 2) / 3) / 2,
  );
  return round(asyncPerHandshake / threadingPerHandshake);
}

/**
 * On `cores` cores shared with the client (`client` µs per handshake, one thread): server and
 * client spend the same cores, so async reaches `cores / (async + client)` once its one thread
 * and the client fill them, and threading can't do better than `cores / (threading + client)` —
 * the ceiling of the measured ratio there, whatever the scheduler does.
 */
export function ceilingOnSharedCores(
  async: HandshakeCpu,
  threading: HandshakeCpu,
  client: number,
  cores: number,
): number {
  const asyncTotal = async.main + async.workers + async.helpers;
  const threadingTotal = threading.main + threading.workers + threading.helpers;
  // Each side is also bound by its busiest thread, and both by the one-thread client.
  const asyncRate = Math.min(1 / async.main, 1 / client, cores / (asyncTotal + client));
  const threadingRate = Math.min(
    1 / threading.main,
    2 / threading.workers,
    1 / client,
    cores / (threadingTotal + client),
  );
  return round(threadingRate / asyncRate);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
