/**
 * Client-side rate limiting: keeps copygraph under an upstream's published per-window call limit, so a
 * burst of copies waits briefly here instead of earning HTTP 429s (and a retry storm) upstream.
 *
 * A sliding window that also counts calls in flight: a call holds its slot from the moment it is let
 * through until `windowMs` after it has been answered (`release`). Whatever instant the upstream
 * records a call at lies between those two moments, so however the upstream aligns its own windows
 * (Feishu: fixed, minute-aligned), it never sees more than `limit` calls from one key in any window.
 *
 * Keys are free-form (per API × per app/user identity for Feishu). Waiters are served first come,
 * first served. A call that would wait longer than `maxWaitMs`, or arrive when `maxQueue` calls are
 * already waiting, is refused at once with `RateLimitWaitExceeded` rather than queued without bound.
 *
 * The clock is injectable: tests drive a `ManualClock` (or one linked to an emulator's clock) instead
 * of sleeping. It imports only `metrics.ts` (wait times and refusals).
 */
import { observeLimiterWait } from './metrics.ts';

/** Time as the limiter sees it. `sleep` resolves once `now()` has moved on by at least `ms`. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      // Unref'd: a queued call never keeps a stopping process alive on its own.
      setTimeout(resolve, Math.max(0, ms)).unref();
    }),
};

/** A clock that moves only when told to. `sleep` resolves when `advance` passes its deadline. */
export class ManualClock implements LimiterClock {
  #now: number;
  #sleepers: { at: number; resolve: () => void }[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleepers.push({ at: this.#now + Math.max(0, ms), resolve });
      this.#wake();
    });
  }

  advance(ms: number): void {
    this.#now += ms;
    this.#wake();
  }

  /** Sleeps not yet over: lets a test wait until the code under test is parked. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  #wake(): void {
    const due = this.#sleepers.filter((s) => s.at <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
    for (const s of due) s.resolve();
  }
}

/** Refused by the limiter itself: nothing was sent upstream. */
export class RateLimitWaitExceeded extends Error {
  override readonly name = 'RateLimitWaitExceeded';
  constructor(
    /** When a slot is expected to free up, as best the limiter can tell. */
    readonly retryAfterMs: number,
    readonly reason: 'queue-full' | 'wait-too-long',
  ) {
    super(reason === 'queue-full' ? 'too many calls are already waiting for the rate limit' : 'the wait for the rate limit would be too long');
  }
}

export interface RateLimiterOptions {
  /** Calls allowed per window and key. */
  readonly limit: number;
  readonly windowMs: number;
  readonly clock?: LimiterClock | undefined;
  /** Longest a call may wait for its slot (default: one window). */
  readonly maxWaitMs?: number | undefined;
  /** Most calls waiting per key (default: 10 windows' worth). */
  readonly maxQueue?: number | undefined;
  /** The limiter's name in metrics (`copygraph_rate_limiter_*{limiter}`); a provider, never a key. */
  readonly name?: string | undefined;
}

/** Ends a call's hold on its slot; call it once the upstream has answered (or failed). Idempotent. */
export type Release = () => void;

export interface LimiterStats {
  readonly inFlight: number;
  /** Finished calls still inside the window. */
  readonly recent: number;
  readonly queued: number;
}

interface Waiter {
  readonly deadline: number;
  readonly grant: (release: Release) => void;
  readonly refuse: (err: RateLimitWaitExceeded) => void;
}

interface Bucket {
  inFlight: number;
  /** Release times of finished calls, oldest first. */
  readonly released: number[];
  /** Set when the upstream said to back off (HTTP 429 with a reset time). */
  blockedUntil: number;
  readonly waiters: Waiter[];
  /** When the earliest scheduled look at the queue happens (Infinity: none). */
  wakeAt: number;
}

export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #clock: LimiterClock;
  readonly #maxWaitMs: number;
  readonly #maxQueue: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #name: string;

  constructor(options: RateLimiterOptions) {
    if (!(options.limit >= 1) || !(options.windowMs > 0)) throw new RangeError('limit must be ≥ 1 and windowMs > 0');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.#clock = options.clock ?? systemClock;
    this.#maxWaitMs = options.maxWaitMs ?? options.windowMs;
    this.#maxQueue = options.maxQueue ?? options.limit * 10;
    this.#name = options.name ?? 'unnamed';
  }

  /** Waits for a slot for `key`; resolves with its release. Rejects with `RateLimitWaitExceeded`. */
  acquire(key: string): Promise<Release> {
    return observeLimiterWait(this.#name, this.#acquire(key));
  }

  #acquire(key: string): Promise<Release> {
    const bucket = this.#bucket(key);
    if (bucket.waiters.length >= this.#maxQueue) {
      return Promise.reject(new RateLimitWaitExceeded(this.#retryAfter(bucket), 'queue-full'));
    }
    return new Promise<Release>((grant, refuse) => {
      bucket.waiters.push({ deadline: this.#clock.now() + this.#maxWaitMs, grant, refuse });
      this.#pump(key, bucket);
    });
  }

  /** Holds every call for `key` back until `ms` from now (the upstream said to wait). */
  backOff(key: string, ms: number): void {
    const bucket = this.#bucket(key);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, this.#clock.now() + ms);
  }

  stats(key: string): LimiterStats {
    const bucket = this.#buckets.get(key);
    if (!bucket) return { inFlight: 0, recent: 0, queued: 0 };
    this.#prune(bucket, this.#clock.now());
    return { inFlight: bucket.inFlight, recent: bucket.released.length, queued: bucket.waiters.length };
  }

  #bucket(key: string): Bucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { inFlight: 0, released: [], blockedUntil: 0, waiters: [], wakeAt: Number.POSITIVE_INFINITY };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #prune(bucket: Bucket, now: number): void {
    while (bucket.released.length > 0 && (bucket.released[0] as number) + this.windowMs <= now) bucket.released.shift();
  }

  #release(key: string, bucket: Bucket): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      bucket.inFlight -= 1;
      bucket.released.push(this.#clock.now());
      this.#pump(key, bucket);
    };
  }

  /** Lets waiters through while slots are free, refuses those past their deadline, schedules the next look. */
  #pump(key: string, bucket: Bucket): void {
    const now = this.#clock.now();
    this.#prune(bucket, now);
    while (bucket.waiters.length > 0 && now >= bucket.blockedUntil && bucket.inFlight + bucket.released.length < this.limit) {
      const waiter = bucket.waiters.shift() as Waiter;
      bucket.inFlight += 1;
      waiter.grant(this.#release(key, bucket));
    }
    const expired = bucket.waiters.filter((w) => w.deadline <= now);
    if (expired.length > 0) {
      bucket.waiters.splice(0, bucket.waiters.length, ...bucket.waiters.filter((w) => w.deadline > now));
      const err = new RateLimitWaitExceeded(this.#retryAfter(bucket), 'wait-too-long');
      for (const w of expired) w.refuse(err);
    }
    if (bucket.waiters.length > 0) {
      this.#scheduleWake(key, bucket, now);
    } else if (bucket.inFlight === 0 && bucket.released.length === 0 && bucket.blockedUntil <= now && this.#buckets.get(key) === bucket) {
      // Idle keys (one per user token, say) are forgotten; a late wake-up of a forgotten bucket is harmless.
      this.#buckets.delete(key);
    }
  }

  #scheduleWake(key: string, bucket: Bucket, now: number): void {
    const candidates = [(bucket.waiters[0] as Waiter).deadline];
    if (bucket.blockedUntil > now) candidates.push(bucket.blockedUntil);
    // A full window frees up when its oldest finished call leaves it; calls in flight wake us on release.
    if (bucket.released.length > 0) candidates.push((bucket.released[0] as number) + this.windowMs);
    const at = Math.min(...candidates);
    // An earlier look already scheduled covers this one; a later one does not (it stays, and is harmless).
    if (bucket.wakeAt <= at && bucket.wakeAt > now) return;
    bucket.wakeAt = at;
    void this.#clock.sleep(Math.max(0, at - now)).then(() => {
      if (bucket.wakeAt === at) bucket.wakeAt = Number.POSITIVE_INFINITY;
      this.#pump(key, bucket);
    });
  }

  #retryAfter(bucket: Bucket): number {
    const now = this.#clock.now();
    const freed = bucket.released.length > 0 ? (bucket.released[0] as number) + this.windowMs - now : this.windowMs;
    return Math.max(1, bucket.blockedUntil - now, freed);
  }
}
