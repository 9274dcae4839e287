/**
 * A value that every request reads and that must be no older than the request (a revision telling whether
 * IAM changed since this node last loaded it), read with one statement in flight at a time. A caller that
 * finds a read in flight cannot use its answer, which may predate the question; it shares the next read,
 * sent as soon as that one is back, with every caller that asked meanwhile. Under load a node then sends
 * one such read per round trip instead of one per request, and each answer still postdates its question.
 */
export class FreshRead<T> {
  private readonly read: () => Promise<T>;
  private inFlight: Promise<T> | undefined;
  private following: Promise<T> | undefined;

  constructor(read: () => Promise<T>) {
    this.read = read;
  }

  get(): Promise<T> {
    if (!this.inFlight) return this.send();
    this.following ??= this.inFlight.then(ignore, ignore).then(() => {
      this.following = undefined;
      return this.send();
    });
    return this.following;
  }

  private send(): Promise<T> {
    const sent = this.read();
    this.inFlight = sent;
    const settle = () => {
      if (this.inFlight === sent) this.inFlight = undefined;
    };
    sent.then(settle, settle);
    return sent;
  }
}

function ignore(): void {}
