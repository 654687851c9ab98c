/**
 * `@sockserve/forking`: Python's `ForkingMixIn` — handlers in child processes, per request or pooled.
 *
 * @packageDocumentation
 */

export { currentProcessName, isForkedChild } from './child-context.js';
export type { ChildExit } from './child-runner.js';
export {
  type ForkingAttributes,
  ForkingMixIn,
  type ForkingServerClass,
  type ForkingServerOptions,
} from './forking-mixin.js';
export { FORKING_OPTIONS, type ForkingMode, type ForkingOptions } from './forking-options.js';
export { type CollectChildrenOptions, ForkingStrategy } from './forking-strategy.js';
