/**
 * The runner side of a preamble run where the handler runs (`runner-preamble.ts`): a moved
 * socket (or a relay) first goes through the server's preamble — a PROXY header with
 * `proxyProtocol: { parseIn: 'runner' }` — before the connection upgrade (TLS) and the
 * handler. Accepted: the bytes past it are back in front of the stream, its facts attached
 * (`this.proxy`), and the handler's client address is the one it found. Refused: the
 * connection is reset, no handler runs, and the outcome goes back in `done` for the server
 * to count and publish.
 */
import type { Duplex } from 'node:stream';
import { resetStream } from '../abort-connection.js';
import type { SocketAddress } from '../address.js';
import type { ConnectionPreamble } from '../connection-preamble.js';
import { attachRequestInfo } from '../request-info.js';
import { preambleReport, type RunnerPreambleReport, runPreambleHere } from '../runner-preamble.js';

const CLOSING_REASON = 'closing';

/** How a stream's start in a runner ended. */
export interface StreamStart {
  /** The client address for the handler, or undefined when the preamble refused it. */
  readonly clientAddress: SocketAddress | undefined;
  /** What the server counts (a refusal, a health check), for `done`. */
  readonly report: RunnerPreambleReport | undefined;
  /** A `cut` arrived meanwhile: the stream is destroyed, the request ends cut. */
  readonly cut: boolean;
}

/** The runner's bookkeeping a stream in its preamble joins, so a `cut` can end it. */
export interface RunnerStreams {
  /** Requests started here (the `exiting` message; a cut of an id here is kept as due). */
  readonly started: Set<number>;
  /** Streams a cut destroys (in a preamble or an upgrade). */
  readonly upgrading: Map<number, Duplex>;
  /** Drains or cuts that arrived before the handler started. */
  readonly due: Map<number, 'drain' | 'cut'>;
}

/**
 * Runs `preamble` on stream `id` (peer `peer`); see the module comment. A cut during it
 * reports reason `closing`, as the server's own preamble counts a connection cut by a close.
 */
export async function startStream(
  preamble: ConnectionPreamble,
  stream: Duplex,
  peer: SocketAddress,
  id: number,
  streams: RunnerStreams,
): Promise<StreamStart> {
  streams.started.add(id);
  streams.upgrading.set(id, stream);
  const outcome = await runPreambleHere(preamble, stream, peer);
  streams.upgrading.delete(id);
  const cut = streams.due.get(id) === 'cut';
  if (cut || !outcome.accept) {
    streams.started.delete(id); // no handler runs
    streams.due.delete(id);
  }
  if (cut) {
    stream.destroy();
    const report = { name: preamble.name, accept: false, reason: CLOSING_REASON };
    return { clientAddress: undefined, report, cut };
  }
  const report = preambleReport(preamble.name, outcome);
  if (!outcome.accept) {
    resetStream(stream);
    return { clientAddress: undefined, report, cut };
  }
  if (outcome.info !== undefined) attachRequestInfo(stream, outcome.info);
  return { clientAddress: outcome.clientAddress ?? peer, report, cut };
}
