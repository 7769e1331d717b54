/**
 * Retention: the task store does not grow forever. Every `intervalMs`, final tasks that finished more
 * than `maxAgeMs` ago are deleted, `batchSize` at a time (short transactions, the event loop and the
 * database breathe between batches), at most `maxBatchesPerSweep` batches a sweep; whatever is left
 * waits for the next sweep. Rows that hang off a task (bulk items, idempotency keys) are deleted with
 * it by the store (`TaskStore.deleteFinishedBefore`).
 *
 * One replica at a time: `lock` (optional) is asked before each sweep; SQLite has one process and
 * needs none. A shared engine passes a lock (PostgreSQL: `pg_try_advisory_lock`), and its
 * `deleteFinishedBefore` stays correct even without it (`FOR UPDATE SKIP LOCKED`).
 */
import { tasksDeleted } from '../core/metrics.ts';
import type { TaskStore } from './store/sqlite.ts';

export interface RetentionOptions {
  readonly maxAgeMs: number;
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly maxBatchesPerSweep?: number;
  readonly now?: () => number;
}

/** Runs `fn` only if this replica holds the lock now; undefined when another one does. */
export interface RetentionLock {
  tryRun<T>(fn: () => Promise<T>): Promise<T | undefined>;
}

export interface Retention {
  /** One sweep now; resolves with how many tasks it deleted (undefined: another replica holds the lock). */
  sweep(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export function startRetention(
  store: Pick<TaskStore, 'deleteFinishedBefore'>,
  options: RetentionOptions,
  log: (msg: string, fields: Record<string, unknown>) => void = () => {},
  lock?: RetentionLock,
): Retention {
  const now = options.now ?? Date.now;
  const maxBatches = options.maxBatchesPerSweep ?? 20;
  let running: Promise<number | undefined> | undefined;
  let stopped = false;

  const batches = async (): Promise<number> => {
    const cutoff = new Date(now() - options.maxAgeMs);
    let total = 0;
    for (let i = 0; i < maxBatches && !stopped; i++) {
      const deleted = await store.deleteFinishedBefore(cutoff, options.batchSize);
      total += deleted;
      tasksDeleted.inc(deleted);
      if (deleted < options.batchSize) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return total;
  };

  const sweep = (): Promise<number | undefined> => {
    running ??= (lock ? lock.tryRun(batches) : batches())
      .then((deleted) => {
        if (deleted) log('retention: deleted final tasks', { deleted, olderThanDays: options.maxAgeMs / 86_400_000 });
        return deleted;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    sweep().catch((err: unknown) => log('retention sweep failed', { err: String(err) }));
  }, options.intervalMs);
  timer.unref();

  return {
    sweep,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
