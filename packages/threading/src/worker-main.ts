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
// A handler that can't load leaves nothing to do: closing the port ends the worker.
if (!(await runner.load())) port.close();
