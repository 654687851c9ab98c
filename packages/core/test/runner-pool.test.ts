/**
 * The remote pool (RunnerPool, RemoteStrategy) against in-memory fake runners: where jobs go,
 * what a dead or crashing runner takes with it, per-request cuts with a kill only past the
 * grace period, and closing with and without waiting.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RemoteStopper, RequestJob } from '../src/index.js';
import {
  RemoteStrategy,
  type RunnerJob,
  RunnerPool,
  type RunnerPoolOptions,
} from '../src/remote/index.js';
import { FAKE_INIT, fakeFactory, fakePool } from './fixtures/fake-runner.js';

function pool(options: Partial<RunnerPoolOptions> = {}) {
  const crashes: string[] = [];
  const made = fakePool(
    { min: 1, max: 2, ...options },
    { crashed: (runner, reason) => crashes.push(`${runner}: ${reason}`) },
  );
  return { ...made, crashes };
}

function job() {
  const failures: Error[] = [];
  const received: unknown[] = [];
  const runnerJob: RunnerJob = {
    receive: (message) => received.push(message),
    fail: (error) => failures.push(error),
  };
  return { runnerJob, failures, received };
}

describe('RunnerPool with fake runners', () => {
  it('starts min runners, then spreads jobs over runners up to max', async () => {
    const { pool: p, runners } = pool();
    await p.start();
    expect(runners).toHaveLength(1);
    const first = p.assign(job().runnerJob);
    const second = p.assign(job().runnerJob);
    expect(runners).toHaveLength(2);
    expect(first.runner).toBe(runners[0]);
    expect(second.runner).toBe(runners[1]);
    expect(p.active).toBe(2);
    p.finished(first.id);
    expect(p.active).toBe(1);
  });

  it('a runner that announced its exit is handed no new job; a new runner takes it', async () => {
    const { pool: p, runners } = pool({ max: 1 });
    await p.start();
    const [dying] = runners;
    dying?.send({ t: 'exiting', running: [] });
    const next = p.assign(job().runnerJob);
    expect(next.runner).not.toBe(dying);
    expect(runners).toHaveLength(2);
  });

  it('a crashing runner fails only its own jobs and is reported', async () => {
    const { pool: p, runners, crashes } = pool();
    await p.start();
    const a = job();
    const b = job();
    p.assign(a.runnerJob);
    p.assign(b.runnerJob);
    runners[0]?.exit('exited with code 3', false);
    expect(a.failures).toEqual([expect.objectContaining({ code: 'ERR_SOCKSERVE_RUNNER_EXIT' })]);
    expect(b.failures).toEqual([]);
    expect(crashes).toEqual(['fake 0: exited with code 3']);
    expect(p.active).toBe(1);
  });

  it('cut posts a cut message; the runner is killed only when it does not answer within the grace', async () => {
    vi.useFakeTimers();
    try {
      const { pool: p, runners } = pool({ cutGrace: 500 });
      await p.start();
      const answered = p.assign(job().runnerJob);
      p.cut(answered.id);
      expect(runners[0]?.posted.at(-1)).toEqual({ t: 'cut', id: answered.id });
      p.finished(answered.id);
      vi.advanceTimersByTime(500);
      expect(runners[0]?.terminated).toEqual([]);

      const ignored = p.assign(job().runnerJob);
      const owner = ignored.runner as (typeof runners)[number];
      p.cut(ignored.id);
      vi.advanceTimersByTime(499);
      expect(owner.terminated).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(owner.terminated).toEqual(['cut']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('close stops idle runners at once and detaches busy ones, which retire after their jobs', async () => {
    const { pool: p, runners } = pool();
    await p.start();
    const busy = p.assign(job().runnerJob);
    p.assign(job().runnerJob);
    p.finished(1);
    await p.close();
    const [busyRunner, idleRunner] = runners;
    expect(busy.runner).toBe(busyRunner);
    expect(idleRunner?.terminated).toEqual(['close']);
    expect(busyRunner?.detached).toBe(true);
    expect(busyRunner?.terminated).toEqual([]);
    p.finished(busy.id);
    expect(busyRunner?.terminated).toEqual(['retire']);
  });

  it('a runner that served recycleAfter jobs retires once idle', async () => {
    const { pool: p, runners } = pool({ recycleAfter: 2, max: 1 });
    await p.start();
    p.finished(p.assign(job().runnerJob).id);
    const second = p.assign(job().runnerJob);
    expect(runners[0]?.terminated).toEqual([]);
    p.finished(second.id);
    expect(runners[0]?.terminated).toEqual(['retire']);
  });

  it('a runner that cannot load the handler fails start() with a HandlerLoadError', async () => {
    const { factory } = fakeFactory(false);
    const p = new RunnerPool(
      factory,
      FAKE_INIT,
      { min: 1, max: 1, maxPerRunner: 1, idleTimeout: 1000, recycleAfter: Infinity },
      { shutdown: async () => {}, crashed: () => {} },
    );
    await expect(p.start()).rejects.toMatchObject({
      code: 'ERR_SOCKSERVE_HANDLER_LOAD',
      message: 'fake 0 could not load the handler: nope',
    });
  });
});

/** A RequestJob that records what the strategy did with it. */
function recordingJob(data = 'ping') {
  const calls: string[] = [];
  let stopper: RemoteStopper | undefined;
  const settled = Promise.withResolvers<unknown>();
  const replies: string[] = [];
  const job: RequestJob<unknown> = {
    request: {
      data: Buffer.from(data),
      canReply: true,
      reply: async (payload: Uint8Array) => {
        replies.push(Buffer.from(payload).toString());
      },
    },
    clientAddress: { family: 'unix', path: '/client' },
    execute: async () => {
      calls.push('execute');
    },
    executeElsewhere: (s) => {
      calls.push('elsewhere');
      stopper = s;
    },
    settle: async (error) => {
      settled.resolve(error);
    },
  };
  return { job, calls, settled: settled.promise, replies, stopper: () => stopper };
}

describe('RemoteStrategy with fake runners', () => {
  async function strategy() {
    const { factory, runners } = fakeFactory();
    const s = new RemoteStrategy({
      name: 'fake',
      factory,
      pool: { min: 1, max: 1, maxPerRunner: 4, idleTimeout: 60_000, recycleAfter: Infinity },
      closeTimeout: 1000,
      onCrash: () => {},
    });
    await s.start({
      handler: { module: 'file:///nowhere.js', export: 'Handler' },
      transportKind: 'datagram',
      serverAddress: { family: 'unix', path: '/x' },
      requestTimeout: null,
      shutdown: async () => {},
    });
    return { strategy: s, runners };
  }

  it('runs a datagram elsewhere: the reply leaves from the server, done settles the job', async () => {
    const { strategy: s, runners } = await strategy();
    const recorded = recordingJob('ping');
    await s.run(recorded.job);
    expect(recorded.calls).toEqual(['elsewhere']);
    const runner = runners[0];
    const [id] = runner?.requests ?? [];
    runner?.send({ t: 'reply', id: id as number, data: Buffer.from('pong') });
    await vi.waitFor(() => expect(recorded.replies).toEqual(['pong']), { timeout: 10_000 });
    runner?.send({ t: 'done', id: id as number, error: undefined });
    expect(await recorded.settled).toBeUndefined();
    expect(s.active).toBe(0);
  });

  it('the pipeline cuts and drains one request by message, not the runner', async () => {
    const { strategy: s, runners } = await strategy();
    const first = recordingJob();
    const second = recordingJob();
    await s.run(first.job);
    await s.run(second.job);
    const runner = runners[0];
    const [a, b] = runner?.requests ?? [];
    first.stopper()?.drain();
    second.stopper()?.cut(new Error('cut'));
    expect(runner?.posted.slice(-2)).toEqual([
      { t: 'drain', id: a },
      { t: 'cut', id: b },
    ]);
    expect(runner?.terminated).toEqual([]);
  });

  it('a runner crash settles its jobs with the RunnerExitError', async () => {
    const { strategy: s, runners } = await strategy();
    const recorded = recordingJob();
    await s.run(recorded.job);
    runners[0]?.exit('was killed by SIGKILL', false);
    expect(await recorded.settled).toMatchObject({ code: 'ERR_SOCKSERVE_RUNNER_EXIT' });
  });

  it('closeMode follows daemon and blockOnClose', async () => {
    const { strategy: s } = await strategy();
    expect(s.closeMode).toBe('wait');
    s.blockOnClose = false;
    expect(s.closeMode).toBe('detach');
    s.daemon = true;
    expect(s.closeMode).toBe('abandon');
    await s.close();
  });
});
