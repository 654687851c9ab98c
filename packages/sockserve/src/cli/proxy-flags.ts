/**
 * `--proxy-protocol CIDR[,CIDR…]` and `--proxy-header-timeout MS`: the servers' `proxyProtocol`
 * option from the command line, for a server behind HAProxy, nginx or a load balancer, so
 * `this.clientAddress` in any handler module is the real client. `any` must be written out;
 * with `--unix` and `--unix-dgram` it is the only choice (a Unix peer has no address: the
 * socket file's permissions decide who connects). Datagrams (`--udp`, `--unix-dgram`) carry a
 * whole v2 header each (spec 3.4): no `--proxy-header-timeout`. `--proxy-protocol-in runner`
 * (stream servers, `parseIn: 'runner'`): with `--threads`/`--processes` the worker or child
 * reads the header from the moved socket (no relay under `--threads`).
 */
import type { ProxyProtocolOptions } from '@sockserve/proxy-protocol/server';
import { isProxyProtocolOptions } from '@sockserve/proxy-protocol/server';
import type { ListenRequest } from './args.js';
import { UsageError } from './usage-error.js';

/** The flags as `parseArgs` gives them. */
export interface ProxyFlagValues {
  readonly 'proxy-protocol'?: string | undefined;
  readonly 'proxy-header-timeout'?: string | undefined;
  readonly 'proxy-protocol-in'?: string | undefined;
}

/** The `proxyProtocol` option the flags ask for, or undefined without `--proxy-protocol`. */
export function parseProxyFlags(
  values: ProxyFlagValues,
  listen: ListenRequest,
): ProxyProtocolOptions | undefined {
  const list = values['proxy-protocol'];
  const timeout = values['proxy-header-timeout'];
  const parseIn = values['proxy-protocol-in'];
  if (list === undefined) {
    if (timeout !== undefined)
      throw new UsageError('--proxy-header-timeout needs --proxy-protocol CIDR[,CIDR…]');
    if (parseIn !== undefined)
      throw new UsageError('--proxy-protocol-in needs --proxy-protocol CIDR[,CIDR…]');
    return undefined;
  }
  if (parseIn !== undefined && parseIn !== 'main' && parseIn !== 'runner') {
    throw new UsageError(
      `--proxy-protocol-in ${JSON.stringify(parseIn)}: expected main (the server's process) or runner (the worker or child)`,
    );
  }
  const options: ProxyProtocolOptions = {
    trusted: list.split(',').map((rule) => rule.trim()),
    ...(timeout === undefined ? {} : { headerTimeout: parseTimeout(timeout) }),
    ...(parseIn === undefined ? {} : { parseIn }),
  };
  // --systemd NAME: the socket's kind is known at start (checkProxyFits then); here, what
  // fits no kind at all.
  if (listen.transport === 'systemd') {
    if (!isProxyProtocolOptions(options, 'inet') && !isProxyProtocolOptions(options, 'unix'))
      throw new UsageError(cidrMessage(list));
  } else {
    checkProxyFits(options, listen.transport);
  }
  return options;
}

/**
 * Throws the usage error when `options` don't fit a server on `transport`: a CIDR list on a
 * Unix socket, a header timeout on a datagram one. Run at parse for an address given on the
 * command line, and at start for `--systemd NAME` once the inherited socket's kind is known
 * (`via` names it) — the same one-line error, exit 2, before anything is served.
 */
export function checkProxyFits(
  options: ProxyProtocolOptions,
  transport: 'tcp' | 'udp' | 'unix' | 'unix-dgram',
  via = '',
): void {
  const list = options.trusted.join(',');
  if ((transport === 'udp' || transport === 'unix-dgram') && options.headerTimeout !== undefined) {
    throw new UsageError(
      `--proxy-header-timeout is for stream servers${via}: a datagram carries its whole header`,
    );
  }
  if ((transport === 'udp' || transport === 'unix-dgram') && options.parseIn !== undefined) {
    throw new UsageError(
      `--proxy-protocol-in is for stream servers${via}: a datagram's header is read with it`,
    );
  }
  const kind = transport === 'tcp' ? 'inet' : transport;
  if (!isProxyProtocolOptions(options, kind)) {
    throw new UsageError(
      kind === 'unix' || kind === 'unix-dgram'
        ? `--proxy-protocol ${JSON.stringify(list)}: with --${kind}${via} write "any" (a Unix peer has no address to trust)`
        : cidrMessage(list),
    );
  }
}

function cidrMessage(list: string): string {
  return `--proxy-protocol ${JSON.stringify(list)}: expected addresses or CIDR ranges like 10.0.0.0/8,::1, or "any" written out`;
}

function parseTimeout(text: string): number {
  const ms = /^[1-9]\d*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new UsageError(
      `--proxy-header-timeout ${JSON.stringify(text)}: expected a whole number of milliseconds above 0`,
    );
  }
  return ms;
}
