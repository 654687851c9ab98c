/**
 * What a child's failure does, in both modes: an error reaches the server's `handleError`
 * with its stack; a child killed mid-request (SIGKILL) or one that calls `process.exit()`
 * fails only its own request with `ERR_SOCKSERVE_RUNNER_EXIT`, and the server goes on.
 */
import { exchange, LineClient } from '@sockserve/conformance';
import { describe, expect, it, vi } from 'vitest';
import { alive } from './fixtures/processes.ts';
import { closeServersAfterEach, serveCrashing } from './fixtures/servers.ts';

closeServersAfterEach();

describe.each(['pool', 'per-request'] as const)('%s mode', (mode) => {
  it('an error raised in a child reaches handleError with its stack; serving goes on', async () => {
    const { server, errors } = await serveCrashing({ forkingMode: mode });
    expect((await exchange(server.serverAddress, 'throw\n')).toString()).toBe('');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    const { error, address } = errors[0] as (typeof errors)[number];
    expect(error.message).toMatch(/^raised in child \d+$/);
    expect(error.stack).toMatch(/fixtures\/handlers\.ts:\d+/);
    expect(error.stack).toMatch(/\(thrown in child \d+\)$/);
    expect(address.family).toBe('IPv4');
    expect((await exchange(server.serverAddress, 'fine\n')).toString()).toMatch(/^ok \d+\n$/);
  });

  it('a child killed with SIGKILL mid-request fails only that request; the next is served', async () => {
    const { server, errors, exits } = await serveCrashing({ forkingMode: mode });
    const victim = await LineClient.connect(server.serverAddress);
    const bystander = await LineClient.connect(server.serverAddress);
    await vi.waitFor(() => expect(server.strategy.active).toBe(2), { timeout: 10_000 });
    victim.write('hang\n');
    const pid = Number(await victim.line());
    process.kill(pid, 'SIGKILL');
    expect(await victim.rest().catch(() => '')).toBe('');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]?.error).toMatchObject({
      code: 'ERR_SOCKSERVE_RUNNER_EXIT',
      message: `child ${pid} was killed by SIGKILL while running this request`,
    });
    expect(exits).toEqual([`child ${pid} was killed by SIGKILL`]);
    expect(alive(pid)).toBe(false);
    // The request running in another child at the time is untouched.
    bystander.write('still here\n');
    expect(await bystander.line()).toMatch(/^ok \d+\n$/);
    bystander.close();
    const next = (await exchange(server.serverAddress, 'next\n')).toString();
    expect(next).toMatch(/^ok \d+\n$/);
    expect(next).not.toContain(String(pid));
    expect(errors).toHaveLength(1);
  });

  it('process.exit() in handler code fails only its request', async () => {
    const { server, errors, exits } = await serveCrashing({ forkingMode: mode });
    expect((await exchange(server.serverAddress, 'exit\n')).toString()).toBe('');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]?.error).toMatchObject({
      code: 'ERR_SOCKSERVE_RUNNER_EXIT',
      message: expect.stringMatching(/^child \d+ exited with code 3 while running this request$/),
    });
    expect(exits).toEqual([expect.stringMatching(/^child \d+ exited with code 3$/)]);
    expect((await exchange(server.serverAddress, 'fine\n')).toString()).toMatch(/^ok \d+\n$/);
  });
});
