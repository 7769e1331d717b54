/**
 * Per-key quotas: operations a second per API key, and copy tasks not yet final per key. A refusal is
 * `RATE_LIMITED` with `retryAfterSeconds`.
 *
 * The request counter is behind `QuotaCounter` (fixed one-second windows): in process on SQLite (one
 * process by design, so the count is exact), in PostgreSQL when replicas share it. Active tasks are
 * counted in the task store itself (one indexed count), so that count is shared by every replica that
 * shares the store.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { CopyErrorCode, type Provider, UpstreamFailure } from './core/errors.ts';
import type { TaskStore } from './tasks/store/sqlite.ts';

/** Counts hits of a key in fixed windows. */
export interface QuotaCounter {
  /** Adds one hit to `key` in the window containing `nowMs`; resolves with the window's count so far. */
  hit(key: string, windowMs: number, nowMs: number): Promise<number>;
  close(): Promise<void>;
}

export function createInProcessQuotaCounter(): QuotaCounter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit: async (key, windowMs, nowMs) => {
      const start = nowMs - (nowMs % windowMs);
      const w = windows.get(key);
      if (!w || w.start !== start) {
        // One entry per key: an old window is replaced, nothing grows without bound per key.
        windows.set(key, { start, count: 1 });
        return 1;
      }
      w.count += 1;
      return w.count;
    },
    close: async () => windows.clear(),
  };
}

/** The counter in the SQLite tasks database (table `quota_windows`), for replicas sharing that file. */
export function createSqliteQuotaCounter(db: Database.Database): QuotaCounter {
  db.exec('CREATE TABLE IF NOT EXISTS quota_windows (key TEXT PRIMARY KEY, start INTEGER NOT NULL, count INTEGER NOT NULL)');
  const upsert = db.prepare<[{ key: string; start: number }], { count: number }>(
    `INSERT INTO quota_windows (key, start, count) VALUES (@key, @start, 1)
     ON CONFLICT (key) DO UPDATE SET count = CASE WHEN start = @start THEN count + 1 ELSE 1 END, start = @start
     RETURNING count`,
  );
  return {
    hit: async (key, windowMs, nowMs) => (upsert.get({ key, start: nowMs - (nowMs % windowMs) }) as { count: number }).count,
    close: async () => undefined,
  };
}

/**
 * The counter in PostgreSQL (table `quota_windows`), shared by every replica on the same database:
 * one atomic upsert per hit. Takes the pool of the PostgreSQL task store (`{ engine: 'postgres', pool }`).
 */
/** The table of per-key quota windows (also migration 7 of the task store). */
export const QUOTA_TABLE = 'CREATE TABLE IF NOT EXISTS quota_windows (key TEXT PRIMARY KEY, start BIGINT NOT NULL, count INTEGER NOT NULL)';

export async function createPostgresQuotaCounter(pool: pg.Pool): Promise<QuotaCounter> {
  await pool.query(QUOTA_TABLE);
  return {
    hit: async (key, windowMs, nowMs) => {
      const start = nowMs - (nowMs % windowMs);
      const { rows } = await pool.query<{ count: number }>(
        `INSERT INTO quota_windows AS q (key, start, count) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET count = CASE WHEN q.start = $2 THEN q.count + 1 ELSE 1 END, start = $2
         RETURNING count`,
        [key, start],
      );
      return Number(rows[0]?.count ?? 1);
    },
    // The pool belongs to the task store, which closes it.
    close: async () => undefined,
  };
}

/** The counter for a task store: next to its tables when the engine is known, in process otherwise. */
export async function quotaCounterFor(store: unknown): Promise<QuotaCounter> {
  const s = store as { engine?: unknown; db?: unknown; pool?: unknown };
  // SQLite means one process (several replicas need PostgreSQL, README "Running several replicas"): the
  // count in memory is exact there and costs no write per request. `createSqliteQuotaCounter` stays for
  // a deployment that shares one file between processes on one host.
  if (s.engine === 'sqlite') return createInProcessQuotaCounter();
  if (s.engine === 'postgres' && s.pool) return createPostgresQuotaCounter(s.pool as pg.Pool);
  return createInProcessQuotaCounter();
}

export interface QuotaLimits {
  readonly requestsPerSecond: number;
  readonly maxActiveTasks: number;
}

export class Quotas {
  constructor(
    readonly counter: QuotaCounter,
    readonly limits: QuotaLimits,
    readonly store: TaskStore,
    readonly now: () => number = Date.now,
  ) {}

  /** Whether one more operation is allowed for this principal now; otherwise the seconds to wait. */
  async takeRequest(principal: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    const now = this.now();
    const count = await this.counter.hit(`requests:${principal}`, 1000, now);
    if (count <= this.limits.requestsPerSecond) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1000 - (now % 1000)) / 1000)) };
  }

  /** Refuses a new copy (RATE_LIMITED) when the principal already has `maxActiveTasks` tasks not final. */
  async checkActiveTasks(principal: string, provider: Provider): Promise<void> {
    const max = this.limits.maxActiveTasks;
    if ((await this.store.countActive(principal, max)) < max) return;
    throw new UpstreamFailure({
      code: CopyErrorCode.RATE_LIMITED,
      provider,
      message: `This API key already has ${max} copies in progress (COPYGRAPH_MAX_ACTIVE_TASKS); wait for one to finish.`,
      retryable: true,
      retryAfterSeconds: 5,
    });
  }
}
