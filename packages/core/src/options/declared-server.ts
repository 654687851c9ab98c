/**
 * The base class of a server whose transport options are declared: `class TCPServer extends
 * serverWithOptions(TCP_OPTIONS)<Socket>`. It gives the class its `options` (the base
 * server's and the transport's, composed), checks a whole options bag in the constructor
 * before anything is bound, and makes each declared option a typed public field a subclass
 * may override (Python's class attributes).
 */
import { BaseServer } from '../base-server.js';
import type { HandlerSource } from '../handler.js';
import { BASE_SERVER_OPTIONS, type BaseServerOptions } from './base-server-options.js';
import type {
  AnyOptionSet,
  OptionSet,
  OptionSpecs,
  OptionsInput,
  ResolvedOptions,
} from './option-set.js';

/** The options bag of a server with declared options `S`: the base server's and `S`. */
export type ServerOptionsOf<TRequest, S extends OptionSpecs> = BaseServerOptions<TRequest> &
  OptionsInput<S>;

/** What {@link serverWithOptions} returns: `BaseServer` with the options `S` as fields. */
export type DeclaredServerClass<S extends OptionSpecs> = (abstract new <TRequest>(
  handler: HandlerSource,
  options?: ServerOptionsOf<TRequest, S>,
) => BaseServer<TRequest> & ResolvedOptions<S>) &
  Omit<typeof BaseServer, 'prototype'>;

/** The base class for a server that takes the options `own` declares; see the module comment. */
export function serverWithOptions<S extends OptionSpecs>(
  own: OptionSet<S>,
): DeclaredServerClass<S> {
  abstract class DeclaredServer<TRequest> extends BaseServer<TRequest> {
    static override readonly options: AnyOptionSet = BASE_SERVER_OPTIONS.with(own.where, own);

    constructor(handler: HandlerSource, options: BaseServerOptions<TRequest> = {}) {
      super(handler, options, own);
    }
  }
  return DeclaredServer as unknown as DeclaredServerClass<S>;
}
