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

const port = parentPort;
if (port === null) throw new Error('worker-main must run in a worker thread');
const { init, name } = workerData as { init: RunnerInit; name: string };

const runner = new RequestRunner(init, (message: FromRunner) => port.postMessage(message), name);
port.on('message', (message: ToRunner) => runner.receive(message));
// Handler code that calls process.exit() ends this thread: say so first, so the server hands
// this worker no new request while its exit is still on the way.
const exit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  port.postMessage({ t: 'exiting', running: runner.running() } satisfies FromRunner);
  return exit(code);
}) as typeof process.exit;
// A handler that can't load leaves nothing to do: closing the port ends the worker.
if (!(await runner.load())) port.close();
