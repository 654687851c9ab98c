/**
 * Whether this Node can move a `net.Socket` to a worker thread through `postMessage` (Node
 * 26.6+, recent 24.x; not Node 22, nor Bun or Deno), known without trying: Node marks a class
 * it can transfer with its messaging symbols, and `net.Socket` carries them exactly where the
 * move works (a test checks it against a real move). `WorkerRunner` still finds out by trying
 * once; this only says, before the first connection, whether silent connections could ever
 * move — where none can, the workers keep no slot count of their own (`RunnerInit.slots`).
 */
import { Socket } from 'node:net';

/** True when `net.Socket` is transferable to a worker here; see the module comment. */
export function socketsTransferable(): boolean {
  return Object.getOwnPropertySymbols(Socket.prototype).some(
    (symbol) => symbol.description === 'messaging_transfer_symbol',
  );
}
