/**
 * Client-side rate limiting: keeps copygraph under an upstream's published per-window call limit, so a
 * burst of copies waits briefly here instead of earning HTTP 429s (and a retry storm) upstream.
 *
 * A sliding window that also counts calls in flight: a call holds its slot from the moment it is let
 * through until `windowMs` after it has been answered (`release`). Whatever instant the upstream
 * records a call at lies between those two moments, so however the upstream aligns its own windows
 * (Feishu: fixed, minute-aligned), it never sees more than `limit` calls from one key in any window.
 *
 * Keys are free-form (per API × per app/user identity for Feishu). Each call names the principal it is
 * made for: waiters of one key are queued per principal and served round robin, and the last `reserve`
 * slots of a window are kept for principals below their fair share (see `pickPrincipal`), so one
 * principal's burst cannot starve another's single call. Within a principal, first come, first served.
 * A call that would wait longer than `maxWaitMs`, or arrive when `maxQueue` calls of its principal are
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
  /** Most calls waiting per key and principal (default: 10 windows' worth). */
  readonly maxQueue?: number | undefined;
  /** The limiter's name in metrics (`copygraph_rate_limiter_*{limiter}`); a provider, never a key. */
  readonly name?: string | undefined;
  /**
   * Fairness between principals: the last `reserve` slots of each window (default 0) go at once only to
   * a principal holding less than its fair share of the window; a principal at or above its share
   * (a lone one included) gets them one at a time, one every `windowMs / reserve`, so the whole budget
   * is still used within the window but a newcomer finds a free slot without waiting for it to turn.
   */
  readonly reserve?: number | undefined;
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
  /** Calls let through and not yet answered, per principal. */
  readonly inFlight: Map<string, number>;
  inFlightTotal: number;
  /** Finished calls (release time and principal), oldest first. */
  readonly released: { readonly at: number; readonly principal: string }[];
  /** Set when the upstream said to back off (HTTP 429 with a reset time). */
  blockedUntil: number;
  /** Waiters per principal; the map's order is the round-robin order (served principals move to the end). */
  readonly queues: Map<string, Waiter[]>;
  queued: number;
  /** When a principal at or above its fair share last took a reserve slot. */
  lastDripAt: number;
  /** When the earliest scheduled look at the queue happens (Infinity: none). */
  wakeAt: number;
}

/** The principal of a call that names none (a single-tenant deployment, or code outside a request). */
export const NO_PRINCIPAL = '';

/**
 * Which waiting principal gets the next slot of a window (shared by `RateLimiter` and, per replica,
 * `SharedRateBudget`): round robin over `waiting` (in its order) while more than `reserve` slots are free;
 * inside the reserve, the first waiting principal holding less than its fair share
 * (`(limit - reserve) / principals holding or waiting`), else the first one if a drip is due.
 */
export function pickPrincipal(args: {
  readonly waiting: Iterable<string>;
  readonly held: ReadonlyMap<string, number>;
  readonly used: number;
  readonly limit: number;
  readonly reserve: number;
  readonly dripDue: boolean;
}): { principal: string; drip: boolean } | undefined {
  const waiting = [...args.waiting];
  if (waiting.length === 0 || args.used >= args.limit) return undefined;
  if (args.used < args.limit - args.reserve) return { principal: waiting[0] as string, drip: false };
  const principals = new Set([...waiting, ...[...args.held].filter(([, n]) => n > 0).map(([p]) => p)]);
  const share = Math.floor((args.limit - args.reserve) / principals.size);
  const under = waiting.find((p) => (args.held.get(p) ?? 0) < share);
  if (under !== undefined) return { principal: under, drip: false };
  return args.dripDue ? { principal: waiting[0] as string, drip: true } : undefined;
}

export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly reserve: number;
  readonly #clock: LimiterClock;
  readonly #maxWaitMs: number;
  readonly #maxQueue: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #name: string;

  constructor(options: RateLimiterOptions) {
    if (!(options.limit >= 1) || !(options.windowMs > 0)) throw new RangeError('limit must be ≥ 1 and windowMs > 0');
    const reserve = options.reserve ?? 0;
    if (!(reserve >= 0 && reserve < options.limit)) throw new RangeError('reserve must be ≥ 0 and < limit');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.reserve = Math.floor(reserve);
    this.#clock = options.clock ?? systemClock;
    this.#maxWaitMs = options.maxWaitMs ?? options.windowMs;
    this.#maxQueue = options.maxQueue ?? options.limit * 10;
    this.#name = options.name ?? 'unnamed';
  }

  /** Waits for a slot for `key` on behalf of `principal`; resolves with its release. Rejects with `RateLimitWaitExceeded`. */
  acquire(key: string, principal: string = NO_PRINCIPAL): Promise<Release> {
    return observeLimiterWait(this.#name, this.#acquire(key, principal));
  }

  #acquire(key: string, principal: string): Promise<Release> {
    const bucket = this.#bucket(key);
    const queue = bucket.queues.get(principal) ?? [];
    // Per principal: one principal's full queue never refuses another's calls.
    if (queue.length >= this.#maxQueue) {
      return Promise.reject(new RateLimitWaitExceeded(this.#retryAfter(bucket), 'queue-full'));
    }
    return new Promise<Release>((grant, refuse) => {
      queue.push({ deadline: this.#clock.now() + this.#maxWaitMs, grant, refuse });
      if (!bucket.queues.has(principal)) bucket.queues.set(principal, queue);
      bucket.queued += 1;
      this.#pump(key, bucket);
    });
  }

  /** Holds every call for `key` back until `ms` from now (the upstream said to wait). */
  backOff(key: string, ms: number): void {
    const bucket = this.#bucket(key);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, this.#clock.now() + ms);
  }

  /** The key's counts; with `principal`, only that principal's calls. */
  stats(key: string, principal?: string): LimiterStats {
    const bucket = this.#buckets.get(key);
    if (!bucket) return { inFlight: 0, recent: 0, queued: 0 };
    this.#prune(bucket, this.#clock.now());
    if (principal === undefined) return { inFlight: bucket.inFlightTotal, recent: bucket.released.length, queued: bucket.queued };
    return {
      inFlight: bucket.inFlight.get(principal) ?? 0,
      recent: bucket.released.filter((r) => r.principal === principal).length,
      queued: bucket.queues.get(principal)?.length ?? 0,
    };
  }

  #bucket(key: string): Bucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = {
        inFlight: new Map(),
        inFlightTotal: 0,
        released: [],
        blockedUntil: 0,
        queues: new Map(),
        queued: 0,
        lastDripAt: Number.NEGATIVE_INFINITY,
        wakeAt: Number.POSITIVE_INFINITY,
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #prune(bucket: Bucket, now: number): void {
    while (bucket.released.length > 0 && (bucket.released[0] as { at: number }).at + this.windowMs <= now) bucket.released.shift();
  }

  #held(bucket: Bucket): Map<string, number> {
    const held = new Map(bucket.inFlight);
    for (const r of bucket.released) held.set(r.principal, (held.get(r.principal) ?? 0) + 1);
    return held;
  }

  get #dripMs(): number {
    return this.reserve > 0 ? this.windowMs / this.reserve : 0;
  }

  #release(key: string, bucket: Bucket, principal: string): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      bucket.inFlightTotal -= 1;
      const left = (bucket.inFlight.get(principal) ?? 1) - 1;
      if (left > 0) bucket.inFlight.set(principal, left);
      else bucket.inFlight.delete(principal);
      bucket.released.push({ at: this.#clock.now(), principal });
      this.#pump(key, bucket);
    };
  }

  /** Lets waiters through while slots are free (fairly), refuses those past their deadline, schedules the next look. */
  #pump(key: string, bucket: Bucket): void {
    const now = this.#clock.now();
    this.#prune(bucket, now);
    while (bucket.queued > 0 && now >= bucket.blockedUntil) {
      const pick = pickPrincipal({
        waiting: bucket.queues.keys(),
        held: this.#held(bucket),
        used: bucket.inFlightTotal + bucket.released.length,
        limit: this.limit,
        reserve: this.reserve,
        dripDue: now - bucket.lastDripAt >= this.#dripMs,
      });
      if (!pick) break;
      if (pick.drip) bucket.lastDripAt = now;
      const queue = bucket.queues.get(pick.principal) as Waiter[];
      const waiter = queue.shift() as Waiter;
      // Round robin: the principal just served goes to the back of the line.
      bucket.queues.delete(pick.principal);
      if (queue.length > 0) bucket.queues.set(pick.principal, queue);
      bucket.queued -= 1;
      bucket.inFlightTotal += 1;
      bucket.inFlight.set(pick.principal, (bucket.inFlight.get(pick.principal) ?? 0) + 1);
      waiter.grant(this.#release(key, bucket, pick.principal));
    }
    let expired: Waiter[] = [];
    for (const [principal, queue] of bucket.queues) {
      if (!queue.some((w) => w.deadline <= now)) continue;
      expired = expired.concat(queue.filter((w) => w.deadline <= now));
      const kept = queue.filter((w) => w.deadline > now);
      if (kept.length > 0) bucket.queues.set(principal, kept);
      else bucket.queues.delete(principal);
    }
    if (expired.length > 0) {
      bucket.queued -= expired.length;
      const err = new RateLimitWaitExceeded(this.#retryAfter(bucket), 'wait-too-long');
      for (const w of expired) w.refuse(err);
    }
    if (bucket.queued > 0) {
      this.#scheduleWake(key, bucket, now);
    } else if (bucket.inFlightTotal === 0 && bucket.released.length === 0 && bucket.blockedUntil <= now && this.#buckets.get(key) === bucket) {
      // Idle keys (one per user token, say) are forgotten; a late wake-up of a forgotten bucket is harmless.
      this.#buckets.delete(key);
    }
  }

  #scheduleWake(key: string, bucket: Bucket, now: number): void {
    const candidates: number[] = [];
    for (const queue of bucket.queues.values()) if (queue[0]) candidates.push(queue[0].deadline);
    if (bucket.blockedUntil > now) candidates.push(bucket.blockedUntil);
    // A full window frees up when its oldest finished call leaves it; calls in flight wake us on release.
    if (bucket.released.length > 0) candidates.push((bucket.released[0] as { at: number }).at + this.windowMs);
    // Inside the reserve, the next drip.
    if (this.reserve > 0 && bucket.lastDripAt + this.#dripMs > now) candidates.push(bucket.lastDripAt + this.#dripMs);
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
    const freed = bucket.released.length > 0 ? (bucket.released[0] as { at: number }).at + this.windowMs - now : this.windowMs;
    return Math.max(1, bucket.blockedUntil - now, freed);
  }
}

// ---- budgets shared by several replicas -------------------------------------------------------------

/**
 * An upstream call budget: what a datasource asks before each call. `RateLimiter` is the in-process
 * one; `SharedRateBudget` holds across every replica on one PostgreSQL database.
 */
export interface RateBudget {
  /** Calls allowed per window and key. */
  readonly limit: number;
  /** A slot for `key`, asked on behalf of `principal` (fairness between principals; default none). */
  acquire(key: string, principal?: string): Promise<Release>;
  backOff(key: string, ms: number): void;
}

/**
 * The little of a SQL client a shared budget needs: a node-postgres `Pool` fits. (Kept structural so
 * this module imports nothing, not even `pg`.)
 */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export interface SqlPool extends SqlClient {
  connect(): Promise<SqlClient & { release(): void }>;
}

export interface SharedRateBudgetOptions extends RateLimiterOptions {
  readonly pool: SqlPool;
  /** A namespace for the keys (one per upstream API family), so budgets never share rows by accident. */
  readonly scope: string;
  /**
   * A call still unanswered after this long is counted as finished (its replica died mid-call, say):
   * default 5 windows. Upstream timeouts are far shorter.
   */
  readonly staleInFlightMs?: number;
  /** How often a full budget is looked at again while calls of other replicas are in flight (ms). */
  readonly recheckMs?: number;
}

/**
 * The same sliding window as `RateLimiter` (a call holds its slot from the moment it is let through
 * until a window after its answer), counted in the table `rate_budget_calls` (migration 3) so every
 * replica sees every other's calls. Each look at a key runs in one transaction under an advisory lock
 * on the key, so two replicas never both take its last slot. Times come from `clock` (tests link it to
 * an emulator's clock); replicas' clocks must agree to well under a window (NTP does).
 *
 * Waiting is by polling: a replica learns that another's call was answered at its next look.
 *
 * Fairness is per replica, in front of the shared counter: a replica's looks at a key are taken one at
 * a time, round robin between the principals waiting on it, and the `reserve` rule of `RateLimiter`
 * (the last slots of the window go at once only to a principal below its fair share, else one per
 * `windowMs / reserve`) is applied with the shared count of used slots and this replica's own count per
 * principal. So a newcomer on any replica finds a free reserve slot unless several replicas' heavy
 * principals are dripping it away at once; across replicas, waiters are served roughly in order.
 */
export class SharedRateBudget implements RateBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly #pool: SqlPool;
  readonly #scope: string;
  readonly #clock: LimiterClock;
  readonly #maxWaitMs: number;
  readonly #maxQueue: number;
  readonly #staleMs: number;
  readonly #recheckMs: number;
  readonly reserve: number;
  readonly #blockedUntil = new Map<string, number>();
  /** Per key, this replica's waiters per principal. */
  readonly #waiting = new Map<string, Map<string, number>>();
  /** Per key, the looks waiting for their turn, per principal (served round robin, one at a time). */
  readonly #looks = new Map<string, { running: boolean; readonly queues: Map<string, (() => Promise<void>)[]> }>();
  /** Per key, the slots this replica took in the last window or so, with their principal (release time, or Infinity while in flight). */
  readonly #mine = new Map<string, { principal: string; until: number }[]>();
  readonly #lastDripAt = new Map<string, number>();

  constructor(options: SharedRateBudgetOptions) {
    if (!(options.limit >= 1) || !(options.windowMs > 0)) throw new RangeError('limit must be ≥ 1 and windowMs > 0');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.#pool = options.pool;
    this.#scope = options.scope;
    this.#clock = options.clock ?? systemClock;
    this.#maxWaitMs = options.maxWaitMs ?? options.windowMs;
    this.#maxQueue = options.maxQueue ?? options.limit * 10;
    this.#staleMs = options.staleInFlightMs ?? options.windowMs * 5;
    this.#recheckMs = options.recheckMs ?? 100;
    const reserve = options.reserve ?? 0;
    if (!(reserve >= 0 && reserve < options.limit)) throw new RangeError('reserve must be ≥ 0 and < limit');
    this.reserve = Math.floor(reserve);
  }

  async acquire(key: string, principal: string = NO_PRINCIPAL): Promise<Release> {
    const waitingHere = this.#waiting.get(key) ?? new Map<string, number>();
    const waiting = waitingHere.get(principal) ?? 0;
    if (waiting >= this.#maxQueue) throw new RateLimitWaitExceeded(this.windowMs, 'queue-full');
    waitingHere.set(principal, waiting + 1);
    this.#waiting.set(key, waitingHere);
    try {
      const deadline = this.#clock.now() + this.#maxWaitMs;
      for (;;) {
        const now = this.#clock.now();
        const blocked = (this.#blockedUntil.get(key) ?? 0) - now;
        const look =
          blocked > 0 ? { id: undefined, waitMs: blocked } : await this.#fairLook(key, principal, () => this.#take(key, principal, this.#clock.now()));
        if (look.id !== undefined) return this.#release(key, look.id, look.slot);
        // The look may have queued behind others: the deadline is checked against the time after it.
        if (this.#clock.now() + look.waitMs > deadline) throw new RateLimitWaitExceeded(Math.max(1, look.waitMs), 'wait-too-long');
        await this.#clock.sleep(look.waitMs);
      }
    } finally {
      const left = (waitingHere.get(principal) ?? 1) - 1;
      if (left > 0) waitingHere.set(principal, left);
      else waitingHere.delete(principal);
      if (waitingHere.size === 0 && this.#waiting.get(key) === waitingHere) this.#waiting.delete(key);
    }
  }

  backOff(key: string, ms: number): void {
    this.#blockedUntil.set(key, Math.max(this.#blockedUntil.get(key) ?? 0, this.#clock.now() + ms));
  }

  /** Runs `fn` when it is this look's turn: one look per key at a time, principals served round robin. */
  #fairLook<T>(key: string, principal: string, fn: () => Promise<T>): Promise<T> {
    let line = this.#looks.get(key);
    if (!line) {
      line = { running: false, queues: new Map() };
      this.#looks.set(key, line);
    }
    const theLine = line;
    return new Promise<T>((resolve, reject) => {
      const queue = theLine.queues.get(principal) ?? [];
      queue.push(() => fn().then(resolve, reject));
      theLine.queues.set(principal, queue);
      const next = (): void => {
        const first = theLine.queues.entries().next();
        if (first.done) {
          theLine.running = false;
          if (this.#looks.get(key) === theLine) this.#looks.delete(key);
          return;
        }
        const [p, q] = first.value;
        const run = q.shift() as () => Promise<void>;
        // Round robin: the principal just served goes to the back of the line.
        theLine.queues.delete(p);
        if (q.length > 0) theLine.queues.set(p, q);
        theLine.running = true;
        void run().finally(next);
      };
      // An idle line starts on the next turn of the event loop, so looks woken together are ordered together.
      if (!theLine.running) {
        theLine.running = true;
        setImmediate(next);
      }
    });
  }

  /** This replica's slots of `key` still inside the window, per principal. */
  #heldHere(key: string, now: number): Map<string, number> {
    const mine = (this.#mine.get(key) ?? []).filter((m) => m.until + this.windowMs > now);
    if (mine.length > 0) this.#mine.set(key, mine);
    else this.#mine.delete(key);
    const held = new Map<string, number>();
    for (const m of mine) held.set(m.principal, (held.get(m.principal) ?? 0) + 1);
    return held;
  }

  /** One look: a slot (its row id), or how long to wait before the next look. */
  async #take(
    localKey: string,
    principal: string,
    now: number,
  ): Promise<{ id: string | undefined; waitMs: number; slot?: { principal: string; until: number } }> {
    const key = `${this.#scope}|${localKey}`;
    const dripMs = this.reserve > 0 ? this.windowMs / this.reserve : 0;
    const lastDripAt = this.#lastDripAt.get(localKey) ?? Number.NEGATIVE_INFINITY;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rate-budget:${key}`]);
        await client.query(
          'DELETE FROM rate_budget_calls WHERE key = $1 AND ((released_at_ms IS NOT NULL AND released_at_ms <= $2) OR (released_at_ms IS NULL AND started_at_ms <= $3))',
          [key, now - this.windowMs, now - this.#staleMs],
        );
        const { rows } = await client.query(
          'SELECT count(*)::int AS used, count(*) FILTER (WHERE released_at_ms IS NULL)::int AS in_flight, min(released_at_ms) AS oldest FROM rate_budget_calls WHERE key = $1',
          [key],
        );
        const row = rows[0] as { used: number; in_flight: number; oldest: string | null };
        const pick = pickPrincipal({
          waiting: [principal, ...[...(this.#waiting.get(localKey)?.keys() ?? [])].filter((p) => p !== principal)],
          held: this.#heldHere(localKey, now),
          used: row.used,
          limit: this.limit,
          reserve: this.reserve,
          dripDue: now - lastDripAt >= dripMs,
        });
        if (pick?.principal === principal) {
          const inserted = await client.query('INSERT INTO rate_budget_calls (key, started_at_ms) VALUES ($1, $2) RETURNING id', [key, now]);
          await client.query('COMMIT');
          if (pick.drip) this.#lastDripAt.set(localKey, now);
          const slot = { principal, until: Number.POSITIVE_INFINITY };
          this.#mine.set(localKey, [...(this.#mine.get(localKey) ?? []), slot]);
          return { id: String((inserted.rows[0] as { id: string }).id), waitMs: 0, slot };
        }
        await client.query('COMMIT');
        const freed = row.oldest !== null ? Number(row.oldest) + this.windowMs - now : this.windowMs;
        // Held back by the reserve (slots are free, but not for this principal yet): look again at the next drip.
        const wait = row.used < this.limit ? Math.min(freed, Math.max(1, lastDripAt + dripMs - now), this.#recheckMs * 10) : freed;
        return { id: undefined, waitMs: Math.max(1, row.in_flight > 0 ? Math.min(wait, this.#recheckMs) : wait) };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      client.release();
    }
  }

  #release(_key: string, id: string, slot: { until: number } | undefined): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (slot) slot.until = this.#clock.now();
      // Best effort: a release that fails leaves the call in flight until `staleInFlightMs`.
      this.#pool.query('UPDATE rate_budget_calls SET released_at_ms = $2 WHERE id = $1', [id, this.#clock.now()]).catch(() => {});
    };
  }
}
