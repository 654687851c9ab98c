/**
 * Preloaded into a forking child by `bench/child-startup.ts --phases` (`--import`): splits the
 * child's start-up CPU (`process.cpuUsage()`, user + system, since the process began) by phase
 * and counts the modules it loads, by package:
 *
 * - `bootstrap`: Node's own start, up to this preload;
 * - `runner imports`: the child's entry and `@sockserve/core/remote/runner` (ends when the
 *   child's 'message' listener receives `start`: it is registered after those imports);
 * - `warm-up`: from `start` until the handler's module is first resolved;
 * - `handler load`: the handler's module graph, until the child sends `ready`.
 *
 * Sent to the parent as `{ t: 'startup-phases', … }` just before `ready`. Bench only.
 */
import * as nodeModule from 'node:module';

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const marks = { preload: cpuMs() };
const modules = new Map();
const handlerHint = process.env.STARTUP_HANDLER ?? 'handlers.ts';

nodeModule.registerHooks?.({
  resolve(specifier, context, next) {
    if (marks.handlerResolve === undefined && specifier.endsWith(handlerHint))
      marks.handlerResolve = cpuMs();
    return next(specifier, context);
  },
  load(url, context, next) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)|packages\/([^/]+)\//.exec(url);
    const where = url.startsWith('node:') ? 'node:' : (match?.[1] ?? match?.[2] ?? 'other');
    modules.set(where, (modules.get(where) ?? 0) + 1);
    return next(url, context);
  },
});

process.on('message', (message) => {
  if (message?.t === 'start') marks.start = cpuMs();
});
const send = process.send.bind(process);
process.send = (message, ...rest) => {
  if (message?.t === 'ready') {
    const ready = cpuMs();
    send({
      t: 'startup-phases',
      cpuMs: {
        bootstrap: marks.preload,
        'runner imports': marks.start - marks.preload,
        'warm-up': marks.handlerResolve - marks.start,
        'handler load': ready - marks.handlerResolve,
        ready,
      },
      modules: Object.fromEntries(modules),
    });
  }
  return send(message, ...rest);
};
