/**
 * The worker thread's entry: runs the requests its server sends (see `RequestRunner` in
 * `@sockserve/core/remote`). Loaded by `WorkerRunner`; not meant to be imported.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  type FromRunner,
  RequestRunner,
  type RunnerInit,
  type ToRunner,
} from '@sockserve/core/remote';
import { DoneBatch, type WorkerPost } from './done-batch.js';

const port = parentPort;
if (port === null) throw new Error('worker-main must run in a worker thread');
const { init, name } = workerData as { init: RunnerInit; name: string };

// A turn's `done` messages leave in one post (see done-batch.ts).
const outbox = new DoneBatch((post: WorkerPost) => port.postMessage(post));
const runner = new RequestRunner(init, (message: FromRunner) => outbox.post(message), name);
port.on('message', (message: ToRunner) => runner.receive(message));
// Handler code that calls process.exit() ends this thread: say so first, so the server hands
// this worker no new request while its exit is still on the way (requests that ended before it
// are reported ended first: `post` sends the held `done`s ahead).
const exit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  outbox.post({ t: 'exiting', running: runner.running() });
  return exit(code);
}) as typeof process.exit;
// Any other way out (an uncaught error) still reports the requests that ended.
process.once('exit', () => outbox.flush());
// A handler that can't load leaves nothing to do: closing the port ends the worker.
if (!(await runner.load())) port.close();
