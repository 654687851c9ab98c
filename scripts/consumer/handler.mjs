// The consumer's handler module (plain ESM, as a user writes it): upper-cases one line and
// says which thread served it. Worker threads import it by its URL.
import { BaseRequestHandler } from '@sockserve/core';
import { currentThreadName } from '@sockserve/threading';

export class Upper extends BaseRequestHandler {
  async handle() {
    const socket = this.request;
    const line = await new Promise((resolve, reject) => {
      let text = '';
      const onData = (chunk) => {
        text += chunk.toString('utf8');
        const end = text.indexOf('\n');
        if (end < 0) return;
        socket.off('data', onData);
        resolve(text.slice(0, end));
      };
      socket.on('data', onData);
      socket.once('end', () => resolve(text));
      socket.once('error', reject);
    });
    await new Promise((resolve) =>
      socket.end(`${line.toUpperCase()} (${currentThreadName()})\n`, resolve),
    );
  }
}
