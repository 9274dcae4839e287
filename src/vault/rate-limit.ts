import { type Clock, PciqError, sessionRoleArn } from '../core/index.ts';

export interface RateLimit {
  /** Sustained detokenizations per second per principal. */
  perSecond: number;
  /** How many may come at once after a quiet period. */
  burst: number;
}

export const defaultDetokenizeLimit: RateLimit = { perSecond: 100, burst: 1_000 };

/**
 * A token bucket per principal. Detokenization is the vault's most sensitive operation: a stolen credential
 * should not be able to empty the vault at machine speed before the review rules notice. The buckets live
 * in the process that serves the request (with `pciq serve --workers N`, each process has its own).
 */
export class PrincipalRateLimiter {
  private readonly clock: Clock;
  private readonly limit: RateLimit;
  private readonly buckets = new Map<string, { level: number; atMs: number }>();

  constructor(clock: Clock, limit: RateLimit) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError('rate limit must be positive');
    this.clock = clock;
    this.limit = limit;
  }

  private bucketOf(principal: string): { level: number; atMs: number } {
    const now = this.clock.now();
    const key = bucketKeyOf(principal);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size > 10_000) this.forgetFull(now);
      bucket = { level: this.limit.burst, atMs: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.level = Math.min(this.limit.burst, bucket.level + ((now - bucket.atMs) / 1000) * this.limit.perSecond);
      bucket.atMs = now;
    }
    return bucket;
  }

  /** Refuses (RequestThrottled) unless `principal` has at least one operation left. */
  check(principal: string): void {
    if (this.bucketOf(principal).level < 1) throw throttled();
  }

  /** Takes `count` operations, refusing when fewer are left. */
  take(principal: string, count = 1): void {
    const bucket = this.bucketOf(principal);
    if (bucket.level < count) throw throttled();
    bucket.level -= count;
  }

  /** Charges `count` operations already done (a receive that revealed several tokens); may go below zero. */
  charge(principal: string, count: number): void {
    this.bucketOf(principal).level -= count;
  }

  /** Buckets that refilled completely carry no information: dropped so the map stays small. */
  private forgetFull(now: number): void {
    for (const [principal, bucket] of this.buckets) {
      const level = bucket.level + ((now - bucket.atMs) / 1000) * this.limit.perSecond;
      if (level >= this.limit.burst) this.buckets.delete(principal);
    }
  }
}

/**
 * The bucket a principal draws from. The sessions of one role share their role's: each session has a principal
 * ARN of its own (`assumed-role/ROLE/SESSION`), and anyone allowed to assume the role names sessions at will, so
 * per-session buckets would hand a fresh burst to every AssumeRole call.
 */
function bucketKeyOf(principal: string): string {
  return sessionRoleArn(principal) ?? principal;
}

function throttled(): PciqError {
  return new PciqError(
    'RequestThrottled',
    // Every redaction level counts toward the limit, masked and redacted too: the advice is to wait.
    'Too many detokenizations by this principal: slow down and retry in a few seconds (the limit is set by pciq serve --detokenize-rate).',
  );
}
