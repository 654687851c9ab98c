/**
 * `@sockserve/threading`: Python's `ThreadingMixIn` on a bounded pool of worker threads.
 *
 * @packageDocumentation
 */

export { currentThreadName, sharedWorkerData } from './thread-context.js';
export {
  type ServerClass,
  type ThreadingAttributes,
  ThreadingMixIn,
  type ThreadingServerClass,
  type WithThreadingOptions,
} from './threading-mixin.js';
export { THREADING_OPTIONS, type ThreadingOptions } from './threading-options.js';
export { ThreadingStrategy } from './threading-strategy.js';
