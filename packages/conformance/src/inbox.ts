/** The datagrams a test client received, in order; `receive()` waits for the next one. */

/** A receive queue for datagram test clients. */
export class Inbox {
  readonly #received: Buffer[] = [];
  #wake: (() => void) | undefined;

  /** Adds a received datagram (use as the socket's message listener). */
  readonly push = (data: Buffer): void => {
    this.#received.push(data);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  };

  /** The next datagram, waiting for it if none is here yet. */
  async receive(): Promise<Buffer> {
    while (this.#received.length === 0) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    return this.#received.shift() as Buffer;
  }
}
