/**
 * The runner side of a connection upgrade where the handler runs (`connection-upgrade.ts`): a
 * moved socket (or a relay), past its preamble if any, is upgraded — the TLS handshake —
 * before the handler. Upgraded: the handler gets the new stream, with the facts the
 * connection carried (`this.proxy` behind TLS). Refused: no handler runs, and the refusal
 * goes back in `done` for the server to count and publish. A `cut` that arrived during the
 * upgrade ends it: the stream it made is destroyed, the request ends cut.
 */
import type { Duplex } from 'node:stream';
import type { SocketAddress } from '../address.js';
import type { RunnerConnectionUpgrade } from '../connection-upgrade.js';
import { carryRequestInfo } from '../request-info.js';
import type { RunnerStreams } from './runner-stream-start.js';

/** How a stream's upgrade in a runner ended. */
export interface StreamUpgrade {
  /** The upgraded stream for the handler, or undefined when refused or cut. */
  readonly stream: Duplex | undefined;
  /** The upgrade's refusal (a failed handshake), for `done`; a cut handshake may have one too. */
  readonly refused: unknown;
  /** A `cut` arrived meanwhile: the request ends cut. */
  readonly cut: boolean;
}

/** Upgrades stream `id` (peer `peer`) with `upgrade`; see the module comment. */
export async function upgradeStream(
  upgrade: RunnerConnectionUpgrade,
  stream: Duplex,
  peer: SocketAddress,
  id: number,
  streams: RunnerStreams,
): Promise<StreamUpgrade> {
  streams.started.add(id);
  streams.upgrading.set(id, stream);
  let result: Awaited<ReturnType<RunnerConnectionUpgrade['upgrade']>>;
  try {
    result = await upgrade.upgrade(stream, peer);
  } finally {
    streams.upgrading.delete(id);
  }
  const cut = streams.due.get(id) === 'cut';
  if ('refused' in result || cut) {
    streams.started.delete(id); // no handler runs
    streams.due.delete(id);
    if (cut && 'stream' in result) result.stream.destroy();
    // A handshake the cut ended is reported too (TLS counts it as `closed`), once.
    return { stream: undefined, refused: 'refused' in result ? result.refused : undefined, cut };
  }
  const upgraded = result.stream;
  upgraded.on('error', () => {});
  carryRequestInfo(stream, upgraded); // `this.proxy` behind TLS
  return { stream: upgraded, refused: undefined, cut };
}
