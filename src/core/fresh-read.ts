/**
 * A value that every request must read no older than itself (IAM's revision: whether anything changed since
 * this process loaded identities), read once for many requests. A read is sent when the turn of the event
 * loop in which it was first asked for ends, so every request that asked in that turn shares it; while one
 * is out (a round trip to PostgreSQL), askers gather for the next, sent as soon as it is back. Every answer
 * was read after its question was asked, so a change committed anywhere before a request arrived decides it.
 */
export class FreshRead<T> {
  private readonly read: () => Promise<T>;
  /** The read askers are gathering for: not sent yet. */
  private gathering: Promise<T> | undefined;
  private inFlight: Promise<T> | undefined;

  constructor(read: () => Promise<T>) {
    this.read = read;
  }

  get(): Promise<T> {
    this.gathering ??= this.sendWhenDue();
    return this.gathering;
  }

  private async sendWhenDue(): Promise<T> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.inFlight) await this.inFlight.then(ignore, ignore);
    // From here on, askers gather for the next read: this one may be sent before they ask.
    this.gathering = undefined;
    const sent = this.read();
    this.inFlight = sent;
    try {
      return await sent;
    } finally {
      if (this.inFlight === sent) this.inFlight = undefined;
    }
  }
}

function ignore(): void {}
