/**
 * What `sockserve:request.end` said of one server's requests while a test body ran: the
 * error of each (undefined for a request that finished) — the subscribe / filter / unsubscribe
 * block the close-accounting tests wrote out by hand.
 */
import diagnostics from 'node:diagnostics_channel';

/** Runs `body` with the `request.end` errors of `server` collected into `ends` as they come. */
export async function requestEnds(
  server: object,
  body: (ends: unknown[]) => Promise<void>,
): Promise<void> {
  const ends: unknown[] = [];
  const listener = (message: unknown) => {
    const end = message as { server: unknown; error: unknown };
    if (end.server === server) ends.push(end.error);
  };
  diagnostics.subscribe('sockserve:request.end', listener);
  try {
    await body(ends);
  } finally {
    diagnostics.unsubscribe('sockserve:request.end', listener);
  }
}
