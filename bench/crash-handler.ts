/**
 * The handler of `crash-loop.ts`: reads a line; `exit` ends its worker or child
 * (`process.exit(3)` in handler code, the crash loop of issue 13), anything else is answered
 * `ok`. In its own module because workers and children import it.
 */
import { StreamRequestHandler } from '@sockserve/stream';

/** `exit` → `process.exit(3)`; any other line → `ok\n`. */
export class ExitOnRequestHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const line = (await this.rfile.readline()).toString().trim();
    if (line === 'exit') process.exit(3);
    await this.wfile.write('ok\n');
  }
}
