import { readFileSync } from 'node:fs';

const pageBytes = 4096;
const intervalMs = 25;

interface Watched {
  limitBytes: number;
  onExceeded: (rssBytes: number) => void;
}

/**
 * Enforces each sandbox's memory size on its resident set, as Lambda enforces a function's memory on the
 * whole process: V8's heap limit (--max-old-space-size) does not count Buffers and other memory outside the
 * heap. One timer samples every watched process from /proc (Linux); elsewhere only the heap limit applies.
 */
export class MemoryWatch {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;
  readonly isAvailable: boolean;

  constructor() {
    let available = false;
    try {
      readFileSync('/proc/self/statm', 'utf8');
      available = true;
    } catch {}
    this.isAvailable = available;
  }

  watch(pid: number, limitBytes: number, onExceeded: (rssBytes: number) => void): () => void {
    if (!this.isAvailable) return () => undefined;
    this.watched.set(pid, { limitBytes, onExceeded });
    this.timer ??= setInterval(() => this.sample(), intervalMs).unref();
    return () => {
      this.watched.delete(pid);
      if (this.watched.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private sample(): void {
    for (const [pid, entry] of this.watched) {
      let rss: number;
      try {
        rss = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * pageBytes;
      } catch {
        continue;
      }
      if (rss > entry.limitBytes) {
        this.watched.delete(pid);
        entry.onExceeded(rss);
      }
    }
  }
}
