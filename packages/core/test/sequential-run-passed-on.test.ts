/**
 * The pipeline passes the sequential strategy's own promise on as the request's step (it
 * resolves once the request was released and never rejects): no second promise per request.
 * A strategy whose `run()` is another one — a subclass that overrides it — keeps the
 * pipeline's own step, so a rejection of its promise still takes the request's error path.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SocketAddress } from '../src/index.js';
import { type PipelineServer, RequestPipeline } from '../src/request-pipeline.js';
import { SequentialStrategy } from '../src/sequential-strategy.js';
import type { RequestJob } from '../src/strategy.js';

const CLIENT: SocketAddress = Object.freeze({ family: 'IPv4', host: '127.0.0.1', port: 9 });

/** A server whose hooks are Python's defaults; `finishRequest` ends at once. */
function pipelineWith(strategy: SequentialStrategy<string>) {
  const errors: unknown[] = [];
  const server: PipelineServer<string> = {
    verifyRequest: () => true,
    processRequest: (request, address) => pipeline.dispatch(request, address),
    finishRequest: () => Promise.resolve(),
    shutdownRequest: () => undefined,
    handleError: (_request, _address, error) => {
      errors.push(error);
    },
  };
  const pipeline = new RequestPipeline<string>(
    server,
    strategy,
    () => {},
    () => null,
  );
  return { pipeline, errors };
}

describe('the sequential strategy in the pipeline', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("returns the strategy's own promise, which resolves once the request ended", async () => {
    const run = vi.spyOn(SequentialStrategy.prototype, 'run');
    const { pipeline, errors } = pipelineWith(new SequentialStrategy<string>());
    const handled = pipeline.handle('request', CLIENT);
    expect(run).toHaveBeenCalledTimes(1);
    expect(handled).toBe(run.mock.results[0]?.value);
    await handled;
    expect(pipeline.counts).toMatchObject({ finished: 1, failed: 0 });
    expect(pipeline.size).toBe(0);
    expect(errors).toEqual([]);
  });

  it('keeps its own step for a run() a subclass overrides', async () => {
    let ran: Promise<void> | undefined;
    class Rejecting extends SequentialStrategy<string> {
      override run(job: RequestJob<string>): Promise<void> {
        ran = super.run(job).then(() => Promise.reject(new Error('run rejected')));
        return ran;
      }
    }
    const { pipeline, errors } = pipelineWith(new Rejecting());
    const handled = pipeline.handle('request', CLIENT);
    expect(handled).not.toBe(ran);
    await handled;
    // The request had ended when run() rejected: nothing more is counted or reported.
    expect(pipeline.counts).toMatchObject({ finished: 1, failed: 0 });
    expect(errors).toEqual([]);
  });
});
